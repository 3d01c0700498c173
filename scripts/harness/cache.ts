/**
 * Where the harness keeps what it fetches, and the lock that keeps two processes from fetching at
 * once. All paths come from `cachePaths()`, so nothing else builds a cache path by hand.
 *
 * The cache lives outside the repository: `$WEIR_HARNESS_CACHE`, else
 * `$XDG_CACHE_HOME/weir-harness`, else `~/.cache/weir-harness`.
 */
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Every path the harness uses below its cache dir. */
export interface CachePaths {
  root: string;
  /** Maven's local repository, kept in the cache so deleting the cache resets everything. */
  mavenRepo: string;
  /** The stub POMs `dependency:copy-dependencies` runs on. */
  mavenProject: string;
  /** `<root>/<jar set name>/`: holds `lib/` and the completion stamp. */
  jarSetDir(name: string): string;
  venvDir(name: string): string;
  /** Compiled Java driver classes, one folder per source hash. */
  javaDriverDir(hash: string): string;
  /** State of the detached broker of `npm run kafka:start`. */
  runDir: string;
  lockFile: string;
}

export function cacheRoot(): string {
  const explicit = process.env.WEIR_HARNESS_CACHE;
  if (explicit !== undefined && explicit !== "") return explicit;
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== "" ? xdg : join(homedir(), ".cache"), "weir-harness");
}

export function cachePaths(root: string = cacheRoot()): CachePaths {
  return {
    root,
    mavenRepo: join(root, "m2"),
    mavenProject: join(root, "maven"),
    jarSetDir: (name) => join(root, name),
    venvDir: (name) => join(root, name),
    javaDriverDir: (hash) => join(root, "java-driver", hash),
    runDir: join(root, "run"),
    lockFile: join(root, "fetch.lock"),
  };
}

/** What a completed fetch step records; a step whose stamp differs from its spec is redone. */
export interface Stamp {
  spec: string;
  bytes: number;
  files: number;
  fetchedAt: string;
  seconds: number;
}

const stampName = ".weir-harness-complete.json";

export function readStamp(dir: string): Stamp | null {
  try {
    return JSON.parse(readFileSync(join(dir, stampName), "utf8")) as Stamp;
  } catch {
    return null;
  }
}

export function writeStamp(dir: string, stamp: Stamp): void {
  writeFileSync(join(dir, stampName), JSON.stringify(stamp, null, 2) + "\n");
}

/** Total bytes and file count below `dir` (symlinks counted as themselves, not followed). */
export function dirSize(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  const walk = (p: string): void => {
    const st = lstatSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) walk(join(p, name));
    } else {
      bytes += st.size;
      files += 1;
    }
  };
  if (existsSync(dir)) walk(dir);
  return { bytes, files };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** True when a process with this pid exists (signal 0 checks without sending anything). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` holding an exclusive lock file (created with O_EXCL, holding our pid). A lock whose
 * holder has died is taken over; a live holder is waited for up to `timeoutMs`.
 */
export async function withLock<T>(lockFile: string, fn: () => Promise<T>, timeoutMs = 30 * 60_000, log: (s: string) => void = () => undefined): Promise<T> {
  mkdirSync(join(lockFile, ".."), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(lockFile, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    let holder = Number.NaN;
    try {
      holder = Number(readFileSync(lockFile, "utf8").trim());
    } catch {
      continue; // removed between our open and read: try again at once
    }
    // A lock file without a pid yet is being written by its holder: wait for it like a live one.
    if (Number.isInteger(holder) && holder > 0 && !pidAlive(holder)) {
      log(`removing the stale lock ${lockFile} of dead pid ${holder}`);
      rmSync(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${lockFile} is still held by pid ${holder} after ${timeoutMs} ms; remove it if that process is gone`);
    if (!announced) {
      log(`waiting for pid ${holder}, which holds ${lockFile}`);
      announced = true;
    }
    await sleep(500);
  }
  try {
    return await fn();
  } finally {
    rmSync(lockFile, { force: true });
  }
}
