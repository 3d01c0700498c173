/** The storage engine: topics → partitions → segments of record batches as on the wire. */
export { LogManager, checkTopicName } from "./log-manager.js";
export type { LogManagerOptions, MaintenanceReport, TopicDescription } from "./log-manager.js";
export { PartitionLog } from "./partition-log.js";
export type { AppendResult, PartitionLogOptions, ReadResult, TimestampOffset } from "./partition-log.js";
export { defaultTopicConfig, parseTopicConfig, checkTopicConfig, topicConfigEntries, topicConfigOverrides, topicConfigKeys } from "./config.js";
export type { CleanupPolicy, FlushPolicy, MessageTimestampType, TopicConfig, TopicConfigEntry } from "./config.js";
export { NodeFs, writeFileDurably, removeTree } from "./fs.js";
export type { FileStat, LogFile, LogFs, OpenMode } from "./fs.js";
export { MemoryFs, SimulatedCrash, mutatingOps } from "./memory-fs.js";
export type { CrashMode, Fault, FsOp, MemoryFsOptions } from "./memory-fs.js";
export type { RecoveryReport } from "./recovery.js";
export type { CompactionReport } from "./compaction.js";
