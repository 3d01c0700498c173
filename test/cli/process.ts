/**
 * Runs the `weir` CLI from the sources as a child process, as test/cli/helpers.ts does, with
 * what the record commands need besides: bytes on stdin, and a process that keeps running until
 * the test signals it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cliCommand, type CliResult } from "./helpers.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A running `weir` process. */
export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  /** Output so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves when the process exits. */
  done: Promise<CliResult>;
}

/** Starts `weir ...args`; `stdin` (if given) is written and closed; killed after `timeoutMs`. */
export function startCli(args: readonly string[], stdin?: string | Buffer, timeoutMs = 120_000): CliProcess {
  const [node, cli] = cliCommand();
  const child = spawn(node, [cli, ...args], { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  child.stdin.on("error", () => undefined);
  if (stdin !== undefined) child.stdin.end(stdin);
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    done,
  };
}

/** Runs `weir ...args` with `stdin` (empty when not given) and waits for it to exit. */
export function runCliWith(args: readonly string[], stdin: string | Buffer = "", timeoutMs = 120_000): Promise<CliResult> {
  return startCli(args, stdin, timeoutMs).done;
}

/** Polls `check` until it returns true; throws after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
