/**
 * Control batches: the transaction markers a coordinator writes to each partition.
 *
 *   ControlRecord key   => version:int16 type:int16          (type 0 = abort, 1 = commit)
 *   EndTxnMarker value  => version:int16 coordinatorEpoch:int32
 *
 * A control batch has the transactional and control attribute bits set and holds one record.
 */
import { WeirError } from "../../util/errors.js";
import { buildBatch } from "./batch.js";
import type { RecordView } from "./records.js";

/** The two transaction markers. */
export type ControlKind = "abort" | "commit";

const CONTROL_TYPE: Readonly<Record<ControlKind, number>> = { abort: 0, commit: 1 };
const CONTROL_KEY_BYTES = 4;
const END_TXN_VALUE_BYTES = 6;

/** Options of {@link buildControlBatch}; producerId and producerEpoch identify the transaction. */
export interface ControlBatchOptions {
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch?: number;
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  /** Marker timestamp; defaults to Date.now(). */
  now?: number;
}

/** Encodes a commit or abort marker as a one-record control batch. */
export function buildControlBatch(kind: ControlKind, opts: ControlBatchOptions): Buffer {
  const key = Buffer.alloc(CONTROL_KEY_BYTES);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(CONTROL_TYPE[kind], 2);
  const value = Buffer.alloc(END_TXN_VALUE_BYTES);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(opts.coordinatorEpoch ?? 0, 2);
  return buildBatch([{ key, value }], {
    baseOffset: opts.baseOffset,
    producerId: opts.producerId,
    producerEpoch: opts.producerEpoch,
    partitionLeaderEpoch: opts.partitionLeaderEpoch,
    now: opts.now,
    transactional: true,
    control: true,
  });
}

/** A decoded control record; `kind` is null for types other than abort/commit (KRaft's own). */
export interface ControlRecord {
  version: number;
  type: number;
  kind: ControlKind | null;
  /** From the EndTxnMarker value; null when the value is absent or too short. */
  coordinatorEpoch: number | null;
}

/** Decodes the key (and marker value) of a record from a control batch. */
export function readControlRecord(record: Pick<RecordView, "key" | "value">): ControlRecord {
  const key = record.key;
  if (key === null || key.length < CONTROL_KEY_BYTES) {
    throw new WeirError("CORRUPT_BATCH", `control record key must hold version and type (4 bytes), got ${key === null ? "null" : `${key.length} bytes`}`, {
      details: { keyBytes: key?.length ?? -1 },
    });
  }
  const version = key.readInt16BE(0);
  const type = key.readInt16BE(2);
  const kind: ControlKind | null = type === 0 ? "abort" : type === 1 ? "commit" : null;
  const value = record.value;
  const coordinatorEpoch = kind !== null && value !== null && value.length >= END_TXN_VALUE_BYTES ? value.readInt32BE(2) : null;
  return { version, type, kind, coordinatorEpoch };
}
