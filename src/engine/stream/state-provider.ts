/**
 * The one place the streaming engine makes state store providers: the file-backed provider of
 * src/engine/state/, one per operator partition, under `<checkpoint>/state/<operator>/<partition>/`.
 */
import type { LogFs } from "../../log/fs.js";
import { FileStateStoreProvider, type FileStateStoreOptions } from "../state/file-store.js";
import type { StateStoreProvider } from "../state/store.js";

/**
 * A provider over the state directory `dir` of operator partition `partition`; the partitions
 * write their snapshots in different batches (`snapshotPhase`). `options` are the session's
 * state store settings (conf.ts `stateStoreConfOf`).
 */
export function createStateProvider(fs: LogFs, dir: string, partition: number, options: FileStateStoreOptions = {}): StateStoreProvider {
  return new FileStateStoreProvider(fs, dir, { ...options, snapshotPhase: partition });
}
