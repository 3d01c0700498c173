#!/usr/bin/env node
// The `weir` command. Runs the CLI bundled into one file (dist/cli/weir.mjs, built by
// `npm run build`, which `npm ci` and `npm install` run through the `prepare` script): one file
// loads much faster than the ~80 modules of dist/, which is most of the broker's start time. In
// a source checkout without a build it falls back to the TypeScript sources through tsx.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(root, "dist", "cli", "weir.mjs");
if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  try {
    await import("tsx/esm");
  } catch {
    console.error("weir: no build found in dist/ and tsx is not installed; run `npm install` (or `npm run build`) first");
    process.exit(1);
  }
  await import(pathToFileURL(join(root, "src", "cli", "main.ts")).href);
}
