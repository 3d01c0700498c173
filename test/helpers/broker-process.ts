/**
 * Runs `weir broker` as a child process for tests that must kill it (SIGKILL) or check its exit:
 * resolves once it prints its ready line, and is always stopped by the caller.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A running broker child process. */
export interface BrokerProcess {
  child: ChildProcess;
  port: number;
  /** Everything it printed so far. */
  output(): string;
  /** Sends `signal` and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `weir broker --port 0 --data-dir DIR ...args` and waits for `weir broker ready on HOST:PORT`. */
export function startBrokerProcess(dataDir: string, args: string[] = [], timeoutMs = 20_000): Promise<BrokerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), "broker", "--port", "0", "--data-dir", dataDir, ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const proc = (port: number): BrokerProcess => ({
    child,
    port,
    output: () => out,
    stop: (signal: NodeJS.Signals = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`broker not ready within ${timeoutMs} ms; output:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /weir broker ready on [^\s:]+:(\d+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(proc(Number(m[1])));
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`broker exited with ${code} before it was ready; output:\n${out}`));
    });
  });
}
