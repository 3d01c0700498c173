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
  /**
   * Largest body of one HTTP ingest request (src/connectors/http-ingest). 1 MiB, about Kafka's
   * default max.message.bytes, so the records of one request to one partition fit the single
   * batch they are written in on a topic with default configs.
   */
  httpIngestBodyBytesMax: 1024 * 1024,
  /** Most concurrent connections to one HTTP ingest server. */
  httpIngestConnectionsMax: 1024,
  /** Longest an HTTP ingest request may take to arrive, headers and body (a slow client is cut off). */
  httpIngestRequestMsMax: 30_000,
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

/** Bounds and defaults of the storage engine (src/log); defaults follow Kafka's topic configs. */
export const logLimits = {
  /** Longest topic name (Kafka's limit, so that `<topic>-<partition>` fits a file name). */
  topicNameBytesMax: 249,
  /** Most partitions of one topic. */
  partitionsPerTopicMax: 10_000,
  /** Smallest segment.bytes (Kafka's bound). */
  segmentBytesMin: 14,
  /** Largest segment.bytes: file positions are u32 in the offset index and Kafka's config is an int. */
  segmentBytesMax: 2 ** 31 - 1,
  /** Default segment.ms: roll a segment after 7 days. */
  segmentMsDefault: 7 * 24 * 60 * 60 * 1000,
  /** Default retention.ms: 7 days. */
  retentionMsDefault: 7 * 24 * 60 * 60 * 1000,
  /** Default delete.retention.ms: tombstones stay readable for 1 day after compaction could drop them. */
  deleteRetentionMsDefault: 24 * 60 * 60 * 1000,
  /** Default max.message.bytes (Kafka's: 1 MiB + 12 bytes of log overhead). */
  maxMessageBytesDefault: 1_048_588,
  /** Kafka 4's message.timestamp.after.max.ms default: a record may be at most an hour in the future. */
  messageTimestampAfterMaxMsDefault: 3_600_000,
  /** Shortest flush.ms. */
  flushIntervalMsMin: 1,
  /** Most distinct keys one compaction pass maps; a longer log is compacted over several passes. */
  compactionKeysMax: 2_000_000,
  /** Most waiters (long-polling fetches) on one partition. */
  appendWaitersMax: 10_000,
  /** Largest buffer one read allocates beyond its first batch (a fetch's maxBytes is clamped to it). */
  readBytesMax: 64 * 1024 * 1024,
  /**
   * Write-behind: appended batches queued on the active segment are written with one writev as
   * soon as they reach this many bytes (else at the end of the event-loop turn), in bytes.
   */
  writeBehindBytesMax: 256 * 1024,
  /** Most buffers handed to one writev system call (Linux's IOV_MAX is 1024). */
  writevBuffersMax: 1024,
} as const;

/** Bounds of Fetch handling. */
export const fetchLimits = {
  /** The longest a Fetch may wait for min_bytes (clients ask for 500 ms by default). */
  maxWaitMsMax: 30_000,
} as const;

/** Bounds of the group coordinator (src/broker/coordinator). */
export const groupLimits = {
  /** Most members of one group (Kafka's group.max.size is unbounded by default; we are not). */
  membersPerGroupMax: 1_000,
  /** Longest committed metadata string, in UTF-8 bytes (Kafka's offset.metadata.max.bytes). */
  offsetMetadataBytesMax: 4096,
  /** How long a member that has joined but not yet received its first answer may stay silent (Kafka's NewMemberJoinTimeoutMs). */
  newMemberJoinTimeoutMs: 5 * 60 * 1000,
  /** Bytes read from __consumer_offsets per step while loading it at start. */
  offsetsLoadReadBytes: 1024 * 1024,
} as const;

/** Bounds and defaults of the webhook sink (src/connectors/webhook). */
export const webhookLimits = {
  /** Default time one POST may take, connecting included, before it counts as a failed attempt. */
  requestTimeoutMsDefault: 10_000,
  /** Longest per-POST timeout a caller may set. */
  requestTimeoutMsMax: 300_000,
  /** Default retries after a first failed attempt (5xx, 429, network error, timeout). */
  retriesDefault: 3,
  /** Most retries a caller may set. */
  retriesMax: 20,
  /** Default wait before the first retry; it doubles with each retry. */
  backoffMsDefault: 500,
  /** Default cap of one wait between attempts, Retry-After included. */
  backoffMsMaxDefault: 30_000,
  /** Largest cap a caller may set on one wait between attempts. */
  backoffMsMax: 600_000,
  /** Bytes of an error response's body kept for the error message. */
  errorBodyBytesMax: 1024,
  /** Largest JSON body of one notification (Slack refuses texts over 40 000 characters). */
  bodyBytesMax: 1024 * 1024,
} as const;
