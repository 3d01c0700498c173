/**
 * Spark's file sink with exactly-once output through the `_weir_metadata` commit log (the format
 * the file reader honours; see docs/engine-internals.md). Batch N writes its part files
 * (`part-<nnnnn>-b<N>-<uuid>-c000.<ext>`, a fresh uuid per attempt, under `col=value/` with
 * partitionBy) straight into the output directory, then commits by writing the JSON list of
 * their relative paths to `_weir_metadata/.N.tmp`, fsyncing it and renaming it to
 * `_weir_metadata/N`. Readers list only committed files, so part files of an attempt that crashed
 * are never read. A re-run of a batch whose `_weir_metadata/N` exists writes nothing.
 */
import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, rename, stat } from "node:fs/promises";
import * as path from "node:path";
import type { DataFrame } from "../api/dataframe.js";
import { WeirError } from "../../util/errors.js";
import { WEIR_METADATA_DIR, toLocalPath } from "../io/files/listing.js";
import type { SourceOptions } from "../io/files/options.js";
import { outputFormat, type OutputFile } from "../io/files/output.js";
import { partitionDirectory } from "../io/files/partitioning.js";
import type { Row } from "../types.js";
import type { OutputMode, StreamSink } from "./sinks.js";

/** The formats the file sink writes. */
export const FILE_SINK_FORMATS: readonly string[] = ["json", "csv", "parquet", "text"];

/** See the module comment. */
export class FileStreamSink implements StreamSink {
  readonly description: string;
  readonly dir: string;

  constructor(
    private readonly format: string,
    dir: string,
    private readonly options: SourceOptions,
    private readonly partitionBy: readonly string[],
  ) {
    this.dir = toLocalPath(dir);
    this.description = `FileSink[${this.dir}]`;
  }

  private get metadataDir(): string {
    return path.join(this.dir, WEIR_METADATA_DIR);
  }

  /** True when batch `batchId` was committed already. */
  async committed(batchId: number): Promise<boolean> {
    try {
      await stat(path.join(this.metadataDir, String(batchId)));
      return true;
    } catch {
      return false;
    }
  }

  async addBatch(batchId: number, data: DataFrame, mode: OutputMode): Promise<number> {
    if (mode !== "append") throw new WeirError("ANALYSIS", `Data source ${this.format} does not support ${mode} output mode`);
    if (await this.committed(batchId)) return 0;
    const schema = data.schema;
    const partIdx = this.partitionBy.map((name) => {
      const i = schema.fields.findIndex((f) => f.name.toLowerCase() === name.toLowerCase());
      if (i < 0) throw new WeirError("ANALYSIS", `[COLUMN_NOT_FOUND] The column \`${name}\` cannot be found: partitionBy columns must be among ${schema.fields.map((f) => f.name).join(", ")}.`);
      return i;
    });
    const dataCols = schema.fields.map((_f, i) => i).filter((i) => !partIdx.includes(i));
    const format = outputFormat(this.format, { kind: "struct", fields: dataCols.map((i) => schema.fields[i]) }, this.options);
    await mkdir(this.metadataDir, { recursive: true });
    const uuid = randomUUID();
    const files: string[] = [];
    let rows = 0;
    const streams = await data.execute();
    for (let p = 0; p < streams.length; p++) {
      const name = `part-${String(p).padStart(5, "0")}-b${batchId}-${uuid}-c000${format.extension}`;
      const open = new Map<string, OutputFile>();
      try {
        for await (const batch of streams[p]) {
          const groups = new Map<string, Row[]>();
          for (const row of batch) {
            const dir = partIdx.map((c) => partitionDirectory(schema.fields[c].name, row[c], schema.fields[c].dataType)).join("/");
            let g = groups.get(dir);
            if (g === undefined) groups.set(dir, (g = []));
            g.push(partIdx.length === 0 ? row : dataCols.map((c) => row[c]));
          }
          for (const [dir, group] of groups) {
            let f = open.get(dir);
            if (f === undefined) {
              await mkdir(path.join(this.dir, dir), { recursive: true });
              const rel = dir === "" ? name : `${dir}/${name}`;
              f = format.open(path.join(this.dir, rel));
              open.set(dir, f);
              files.push(rel);
            }
            await f.write(group);
            rows += group.length;
          }
        }
        for (const f of open.values()) await f.close();
      } catch (e) {
        await Promise.allSettled([...open.values()].map((f) => f.abort()));
        throw e;
      }
    }
    await this.commit(batchId, files.sort());
    return rows;
  }

  /** Writes `_weir_metadata/<batchId>` atomically (temporary name, fsync, rename, directory fsync). */
  private async commit(batchId: number, files: readonly string[]): Promise<void> {
    const tmp = path.join(this.metadataDir, `.${batchId}.tmp`);
    const f = await open(tmp, "w");
    try {
      await f.writeFile(JSON.stringify(files));
      await f.sync();
    } finally {
      await f.close();
    }
    await rename(tmp, path.join(this.metadataDir, String(batchId)));
    const d = await open(this.metadataDir, "r");
    try {
      await d.sync().catch(() => undefined);
    } finally {
      await d.close();
    }
  }

  /** The batch ids committed so far (for tests and tools). */
  async committedBatches(): Promise<number[]> {
    try {
      return (await readdir(this.metadataDir)).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
    } catch {
      return [];
    }
  }
}
