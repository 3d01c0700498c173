/**
 * Spark's parse modes for malformed records (the `mode` option of the JSON and CSV readers, of
 * `from_json`, and of the Kafka value decoders): what happens to a record that does not parse.
 *
 * - PERMISSIVE (default): the record becomes a row of nulls (or the fields that did parse, for
 *   CSV) plus its raw text in the corrupt-record column, when the schema has that column.
 * - DROPMALFORMED: the record is skipped and counted.
 * - FAILFAST: the query fails with WeirError("EXECUTION") naming where the record was.
 */
import { WeirError } from "../../util/errors.js";
import type { Row, StructType } from "../types.js";

/** One of Spark's parse modes. */
export type ParseMode = "PERMISSIVE" | "DROPMALFORMED" | "FAILFAST";

/** The parse modes, in the order error messages list them. */
export const PARSE_MODES: readonly ParseMode[] = ["PERMISSIVE", "DROPMALFORMED", "FAILFAST"];

/** Spark's default name of the column that receives a malformed record's text. */
export const DEFAULT_CORRUPT_RECORD_COLUMN = "_corrupt_record";

/**
 * Reads the `mode` option (case-insensitive, as Spark). Absent means PERMISSIVE. Spark logs a
 * warning and falls back to PERMISSIVE on an unknown value; Weir refuses it instead, so a typo
 * such as "FAILFST" does not silently turn off failure.
 */
export function parseParseMode(optionValue: string | undefined): ParseMode {
  if (optionValue === undefined) return "PERMISSIVE";
  const upper = optionValue.trim().toUpperCase();
  const mode = PARSE_MODES.find((m) => m === upper);
  if (mode === undefined) {
    throw new WeirError("INVALID_ARGUMENT", `unknown parse mode ${JSON.stringify(optionValue)}: the option "mode" must be one of ${PARSE_MODES.join(", ")}`, {
      details: { option: "mode", value: optionValue, allowed: PARSE_MODES },
    });
  }
  return mode;
}

/** A counter of the malformed records a source dropped (DROPMALFORMED) or nulled (PERMISSIVE). */
export class MalformedRecords {
  /** Records skipped under DROPMALFORMED. */
  dropped = 0;
  /** Records kept as nulls plus corrupt text under PERMISSIVE. */
  permissive = 0;

  /** Total malformed records seen in any mode. */
  get total(): number {
    return this.dropped + this.permissive;
  }
}

/** Where a malformed record was, for FAILFAST messages: `file:/data/x.json line 7`. */
export type RecordLocation = () => string;

/**
 * Applies a parse mode to malformed records of one schema. Sources make one per scan and call
 * {@link MalformedRecordHandler.onMalformed} for each record that failed to parse.
 */
export class MalformedRecordHandler {
  /** Index of the corrupt-record column in the schema, or -1 when the schema has none. */
  readonly corruptColumn: number;

  constructor(
    readonly mode: ParseMode,
    readonly schema: StructType,
    readonly counter: MalformedRecords = new MalformedRecords(),
    columnNameOfCorruptRecord: string = DEFAULT_CORRUPT_RECORD_COLUMN,
  ) {
    const lower = columnNameOfCorruptRecord.toLowerCase();
    this.corruptColumn = schema.fields.findIndex((f) => f.name.toLowerCase() === lower);
    if (this.corruptColumn >= 0 && schema.fields[this.corruptColumn].dataType.kind !== "string") {
      throw new WeirError("ANALYSIS", `the corrupt record column ${JSON.stringify(columnNameOfCorruptRecord)} must be a nullable string column, not ${schema.fields[this.corruptColumn].dataType.kind}`, {
        details: { column: columnNameOfCorruptRecord },
      });
    }
  }

  /**
   * Decides what becomes of a malformed record: returns the row to emit (PERMISSIVE), or null to
   * drop it (DROPMALFORMED); throws WeirError("EXECUTION") under FAILFAST.
   *
   * @param raw the record's text, stored in the corrupt-record column under PERMISSIVE
   * @param where describes the record's location for the FAILFAST message
   * @param cause the parse failure
   * @param partial fields that did parse (CSV keeps them, as Spark 3+); null gives all nulls
   */
  onMalformed(raw: string, where: RecordLocation, cause: unknown, partial: Row | null = null): Row | null {
    switch (this.mode) {
      case "FAILFAST": {
        const reason = cause instanceof Error ? cause.message : String(cause);
        throw new WeirError(
          "EXECUTION",
          `[MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION] Malformed records are detected in record parsing: ${where()}: ${reason}. Parse Mode: FAILFAST. To process malformed records as null result, try setting the option 'mode' as 'PERMISSIVE'.`,
          { cause, details: { location: where(), record: raw.length > 1000 ? raw.slice(0, 1000) : raw } },
        );
      }
      case "DROPMALFORMED":
        this.counter.dropped++;
        return null;
      case "PERMISSIVE": {
        this.counter.permissive++;
        const row: Row = partial ?? new Array<unknown>(this.schema.fields.length).fill(null);
        if (this.corruptColumn >= 0) row[this.corruptColumn] = raw;
        return row;
      }
    }
  }
}
