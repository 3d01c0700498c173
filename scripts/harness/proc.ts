/** Running external commands (mvn, pip, javac, java) and collecting what they print. */
import { spawn, type SpawnOptions } from "node:child_process";

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Pass stdout/stderr through to ours as well as collecting them. */
  echo?: boolean;
  /** Kill (SIGKILL) after this long. */
  timeoutMs?: number;
  input?: string;
}

/** Runs `cmd args` to completion; never rejects for a non-zero exit (see `runChecked`). */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const spawnOpts: SpawnOptions = { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] };
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, spawnOpts);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (opts.echo === true) process.stdout.write(d);
    });
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (opts.echo === true) process.stderr.write(d);
    });
    const timer = opts.timeoutMs === undefined ? null : setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
    child.once("error", (e) => {
      if (timer !== null) clearTimeout(timer);
      reject(new Error(`could not run ${cmd}: ${e.message}`, { cause: e }));
    });
    child.once("close", (code, signal) => {
      if (timer !== null) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin!.end(opts.input ?? "");
  });
}

/** Runs `cmd args` and rejects with its output when it does not exit 0. */
export async function runChecked(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const res = await run(cmd, args, opts);
  if (res.code !== 0) {
    const tail = (res.stdout + res.stderr).slice(-4000);
    throw new Error(`${cmd} ${args.join(" ")} exited with ${res.code ?? res.signal}:\n${tail}`);
  }
  return res;
}
