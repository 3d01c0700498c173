// Shared helpers of the file I/O tests: temporary directories, a fake WritableFrame, and
// reading every row of a ScanSource.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after } from "node:test";
import { SourceOptions, type OptionValue } from "../../../src/engine/io/files/options.js";
import type { ScanOptions, ScanSource } from "../../../src/engine/source.js";
import type { Row, StructType } from "../../../src/engine/types.js";
import type { WritableFrame } from "../../../src/engine/io/writer.js";

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test file. */
export async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), "weir-io-"));
  dirs.push(d);
  return d;
}

/** Options from a plain object. */
export function opts(o: Record<string, OptionValue> = {}): SourceOptions {
  return new SourceOptions(Object.entries(o));
}

/** A frame over fixed rows split into `partitions` streams; `failAfter` makes a stream throw after that many batches. */
export function frame(schema: StructType, rows: Row[], partitions = 1, failAfter?: { partition: number; batches: number; error: Error }): WritableFrame {
  return {
    schema,
    execute: () => {
      const per = Math.ceil(rows.length / partitions);
      return Promise.resolve(
        Array.from({ length: partitions }, (_v, p) => {
          const mine = rows.slice(p * per, (p + 1) * per);
          return (async function* () {
            let n = 0;
            for (const r of mine) {
              if (failAfter !== undefined && failAfter.partition === p && n === failAfter.batches) throw failAfter.error;
              n++;
              await Promise.resolve();
              yield [r.slice()];
            }
            if (failAfter !== undefined && failAfter.partition === p && n <= failAfter.batches) throw failAfter.error;
          })();
        }),
      );
    },
  };
}

/** Every row of a source, partitions in order. */
export async function readAll(source: ScanSource, scan: ScanOptions = {}): Promise<Row[]> {
  const out: Row[] = [];
  for (const p of await source.partitions()) for await (const batch of p.rows(scan)) out.push(...batch);
  return out;
}

/** Names in a directory, sorted. */
export async function ls(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}
