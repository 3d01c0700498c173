#!/usr/bin/env node
// Runs every test file under test/ (or the folders/files given) with node's own test runner,
// TypeScript loaded through tsx. Node 20's runner does not expand globs itself, so we list the
// files here. The runner's closing lines ("# tests N", "# pass N", "# fail N") give the counts.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

/** Collects *.test.ts files below `p`, sorted for a stable order. */
function collect(p, out) {
  const st = statSync(p);
  if (st.isFile()) {
    if (p.endsWith(".test.ts")) out.push(p);
    return out;
  }
  for (const name of readdirSync(p).sort()) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    collect(join(p, name), out);
  }
  return out;
}

const args = process.argv.slice(2);
const roots = args.length > 0 ? args : ["test"];
const files = roots.flatMap((r) => collect(r, []));
// test/compat (third-party clients, installed by apt) and test/harness (real Apache Kafka and
// Spark, fetched from Maven Central and PyPI) run through `npm run test:compat` and
// `npm run test:harness`, which install what they need first.
const separate = [join("test", "compat"), join("test", "harness")];
const selected = args.length > 0 ? files : files.filter((f) => !separate.some((d) => f.startsWith(d)));
if (selected.length === 0) {
  console.error(`no test files found under ${roots.join(", ")}`);
  process.exit(1);
}
const concurrency = process.env.WEIR_TEST_CONCURRENCY ?? "2";
const res = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...selected],
  { stdio: "inherit" },
);
process.exit(res.status ?? 1);
