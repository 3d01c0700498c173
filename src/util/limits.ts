/**
 * Every bound Weir enforces, in one place. Names end with their unit.
 * Decoders check lengths against these before allocating; nothing from outside is trusted.
 */
export const limits = {
  /** Largest request frame a broker accepts (Kafka's socket.request.max.bytes default). */
  requestBytesMax: 100 * 1024 * 1024,
  /** Largest string a decoder accepts (Kafka strings are int16-length: 32767 bytes). */
  stringBytesMax: 32_767,
  /** Largest compact string a decoder accepts (keeps flexible versions within the same bound). */
  compactStringBytesMax: 1024 * 1024,
  /** Largest bytes field a decoder accepts (a records field can hold a whole produce payload). */
  bytesFieldBytesMax: 100 * 1024 * 1024,
  /** Largest element count of a decoded array. */
  arrayItemsMax: 1_000_000,
  /** Largest number of tagged fields in one tagged-field section. */
  taggedFieldsMax: 1024,
  /** Largest record batch (Kafka's max.message.bytes default is 1 MiB + overhead; we allow more). */
  batchBytesMax: 64 * 1024 * 1024,
  /** Largest number of records in one batch. */
  batchRecordsMax: 10_000_000,
  /** Largest decompressed size of one batch's records section. */
  decompressedBytesMax: 256 * 1024 * 1024,
  /** Largest number of headers on one record. */
  recordHeadersMax: 65_536,
  /** Default segment size before a roll (Kafka's segment.bytes default). */
  segmentBytesDefault: 1024 * 1024 * 1024,
  /** Bytes of log between two entries of the sparse offset and time indexes (Kafka's index.interval.bytes). */
  indexIntervalBytesDefault: 4096,
  /** Largest index file, in bytes (Kafka's segment.index.bytes default). */
  indexBytesMax: 10 * 1024 * 1024,
} as const;

/** The type of {@link limits}. */
export type Limits = typeof limits;

/** Bounds of the broker's network layer. */
export const netLimits = {
  /** Most concurrent client connections (Kafka's max.connections is unbounded by default; we are not). */
  connectionsMax: 1024,
  /** Requests read from one connection but not yet answered; reading pauses above it. */
  inflightRequestsPerConnectionMax: 64,
  /** Bytes queued in a socket's write buffer above which we stop reading from that connection. */
  socketWriteBufferBytesMax: 16 * 1024 * 1024,
  /** A connection with no traffic for this long is closed (Kafka's connections.max.idle.ms). */
  connectionIdleMsDefault: 10 * 60 * 1000,
} as const;
