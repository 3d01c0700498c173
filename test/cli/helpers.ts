/**
 * Runs the `weir` CLI from the sources as a child process, the way a user runs it, and collects
 * its exit code and output.
 *
 * The sources are bundled once per test process with esbuild, as `npm run build` bundles
 * dist/cli/weir.mjs (dependencies stay external): a child then starts in ~0.1 s instead of the
 * ~1.5 s tsx needs to compile the CLI's imports on every run, and the bundle never goes stale.
 */
import { spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
let bundle: string | null = null;

/** The command line that runs `weir` from the current sources: [node, bundle]. */
export function cliCommand(): [string, string] {
  if (bundle === null) {
    // Two levels below the root, like dist/cli/weir.mjs, so `../../package.json` resolves.
    const dir = join(root, "dist", "test-cli");
    mkdirSync(dir, { recursive: true });
    const out = join(dir, `weir-${process.pid}.mjs`);
    buildSync({
      entryPoints: [join(root, "src", "cli", "main.ts")],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      outfile: out,
      logLevel: "warning",
    });
    process.once("exit", () => {
      try {
        rmSync(out);
      } catch {
        // Already gone.
      }
    });
    bundle = out;
  }
  return [process.execPath, bundle];
}

/** How a CLI run ended. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `weir ...args`; kills it after `timeoutMs`. */
export function runCli(args: readonly string[], timeoutMs = 90_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const [node, cli] = cliCommand();
    const child = spawn(node, [cli, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Describes a result for assertion messages. */
export function show(r: CliResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}
