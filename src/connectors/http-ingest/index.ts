/** HTTP ingest: records posted over HTTP written into topics through a LogClient (docs/ingest.md). */
export { startHttpIngest, type HttpIngest, type HttpIngestOptions } from "./server.js";
export { INGEST_ERRORS, IngestError, type IngestErrorKind } from "./errors.js";
