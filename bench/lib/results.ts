/**
 * Benchmark result files: every bench/results/<name>.json carries the date, the machine, the
 * Node version and the load average around the run, so figures from different days and busy
 * machines can be told apart.
 */
import { mkdirSync, statfsSync, writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, platform, release, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const GiB = 1024 ** 3;

/** Where the machine's figures come from. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  freeMemoryGiB: number;
  node: string;
  os: string;
  /** statfs type of the data directory's filesystem (0xef53 is ext4). */
  filesystemType: string;
  dataDir: string;
}

/** The machine, the Node version and the filesystem under `dataDir` (default: the temp dir). */
export function machineInfo(dataDir = tmpdir()): MachineInfo {
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGiB: +(totalmem() / GiB).toFixed(1),
    freeMemoryGiB: +(freemem() / GiB).toFixed(1),
    node: process.version,
    os: `${platform()} ${release()}`,
    filesystemType: `0x${statfsSync(dataDir).type.toString(16)}`,
    dataDir,
  };
}

/** os.loadavg() rounded to two decimals: [1 min, 5 min, 15 min]. */
export function loadAverage(): [number, number, number] {
  const [a, b, c] = loadavg();
  return [+a.toFixed(2), +b.toFixed(2), +c.toFixed(2)];
}

/** bench/results, beside this folder. */
export const resultsDir = join(dirname(fileURLToPath(import.meta.url)), "..", "results");

/** The envelope written around a benchmark's own figures. */
export interface ResultEnvelope<T> {
  benchmark: string;
  date: string;
  machine: MachineInfo;
  loadAverage: { atStart: [number, number, number]; atEnd: [number, number, number] };
  result: T;
}

/**
 * Writes bench/results/<name>.json with the envelope of {@link ResultEnvelope}; returns its path.
 * `loadAtStart` is the {@link loadAverage} taken before the run.
 */
export function writeResult<T>(name: string, result: T, opts: { loadAtStart: [number, number, number]; dataDir?: string }): string {
  const out = join(resultsDir, `${name}.json`);
  const envelope: ResultEnvelope<T> = {
    benchmark: name,
    date: new Date().toISOString(),
    machine: machineInfo(opts.dataDir),
    loadAverage: { atStart: opts.loadAtStart, atEnd: loadAverage() },
    result,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(envelope, null, 2) + "\n");
  return out;
}

/** A positive integer from environment variable `name` (a benchmark knob), or `fallback` when unset. */
export function envNumber(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return n;
}
