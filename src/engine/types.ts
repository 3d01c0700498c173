/**
 * Spark SQL's data types, as plain data, and how values of each type are held in memory.
 *
 * Value representation (internal rows are arrays of these, positional per schema):
 *
 * | type                         | JS value                                                    |
 * | ---------------------------- | ----------------------------------------------------------- |
 * | string                       | string                                                      |
 * | binary                       | Buffer (a view, never copied on the read path)              |
 * | boolean                      | boolean                                                     |
 * | tinyint/smallint/int         | number (an integer in the type's range)                     |
 * | bigint (long)                | number (exact up to 2^53; beyond that precision is lost)    |
 * | float/double                 | number                                                      |
 * | timestamp                    | number: microseconds since 1970-01-01T00:00:00Z (Spark's)   |
 * | date                         | number: days since 1970-01-01                               |
 * | array<T>                     | JS array of T values                                        |
 * | map<K,V>                     | Map<K, V>                                                   |
 * | struct<...>                  | JS array of field values, positional (like a row)           |
 * | any type, missing            | null (never undefined)                                      |
 *
 * The session time zone is UTC (Spark's spark.sql.session.timeZone set to UTC).
 */
import { WeirError } from "../util/errors.js";

/** An atomic (non-nested) Spark type. */
export type AtomicType =
  | { readonly kind: "string" }
  | { readonly kind: "binary" }
  | { readonly kind: "boolean" }
  | { readonly kind: "byte" }
  | { readonly kind: "short" }
  | { readonly kind: "int" }
  | { readonly kind: "long" }
  | { readonly kind: "float" }
  | { readonly kind: "double" }
  | { readonly kind: "timestamp" }
  | { readonly kind: "date" }
  | { readonly kind: "null" };

/** An array type (Spark's ArrayType). */
export interface ArrayType {
  readonly kind: "array";
  readonly elementType: DataType;
  readonly containsNull: boolean;
}

/** A map type (Spark's MapType). */
export interface MapType {
  readonly kind: "map";
  readonly keyType: DataType;
  readonly valueType: DataType;
  readonly valueContainsNull: boolean;
}

/** One field of a struct or schema. */
export interface StructField {
  readonly name: string;
  readonly dataType: DataType;
  readonly nullable: boolean;
}

/** A struct type; a DataFrame's schema is one. */
export interface StructType {
  readonly kind: "struct";
  readonly fields: readonly StructField[];
}

/** Any Spark data type Weir supports. */
export type DataType = AtomicType | ArrayType | MapType | StructType;

/** The kind tag of a {@link DataType}. */
export type TypeKind = DataType["kind"];

export const StringType: DataType = Object.freeze({ kind: "string" });
export const BinaryType: DataType = Object.freeze({ kind: "binary" });
export const BooleanType: DataType = Object.freeze({ kind: "boolean" });
export const ByteType: DataType = Object.freeze({ kind: "byte" });
export const ShortType: DataType = Object.freeze({ kind: "short" });
export const IntegerType: DataType = Object.freeze({ kind: "int" });
export const LongType: DataType = Object.freeze({ kind: "long" });
export const FloatType: DataType = Object.freeze({ kind: "float" });
export const DoubleType: DataType = Object.freeze({ kind: "double" });
export const TimestampType: DataType = Object.freeze({ kind: "timestamp" });
export const DateType: DataType = Object.freeze({ kind: "date" });
export const NullType: DataType = Object.freeze({ kind: "null" });

/** Builds an array type. */
export function arrayOf(elementType: DataType, containsNull = true): ArrayType {
  return { kind: "array", elementType, containsNull };
}

/** Builds a map type. */
export function mapOf(keyType: DataType, valueType: DataType, valueContainsNull = true): MapType {
  return { kind: "map", keyType, valueType, valueContainsNull };
}

/** Builds a struct field (nullable unless said otherwise, as Spark's StructField). */
export function field(name: string, dataType: DataType, nullable = true): StructField {
  return { name, dataType, nullable };
}

/** Builds a struct type / schema. */
export function struct(fields: readonly StructField[]): StructType {
  return { kind: "struct", fields };
}

/** A row as the engine holds it: one value per schema field, by position. */
export type Row = unknown[];

/** True for the integral types (tinyint, smallint, int, bigint). */
export function isIntegral(t: DataType): boolean {
  return t.kind === "byte" || t.kind === "short" || t.kind === "int" || t.kind === "long";
}

/** True for the numeric types (integral, float, double). */
export function isNumeric(t: DataType): boolean {
  return isIntegral(t) || t.kind === "float" || t.kind === "double";
}

/** Structural equality of two types (field names compared exactly, nullability ignored). */
export function sameType(a: DataType, b: DataType): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "array":
      return sameType(a.elementType, (b as ArrayType).elementType);
    case "map":
      return sameType(a.keyType, (b as MapType).keyType) && sameType(a.valueType, (b as MapType).valueType);
    case "struct": {
      const bf = (b as StructType).fields;
      return a.fields.length === bf.length && a.fields.every((f, i) => f.name === bf[i].name && sameType(f.dataType, bf[i].dataType));
    }
    default:
      return true;
  }
}

const SIMPLE_NAMES: Record<AtomicType["kind"], string> = {
  string: "string",
  binary: "binary",
  boolean: "boolean",
  byte: "tinyint",
  short: "smallint",
  int: "int",
  long: "bigint",
  float: "float",
  double: "double",
  timestamp: "timestamp",
  date: "date",
  null: "void",
};

const TYPE_NAMES: Record<AtomicType["kind"], string> = {
  string: "string",
  binary: "binary",
  boolean: "boolean",
  byte: "byte",
  short: "short",
  int: "integer",
  long: "long",
  float: "float",
  double: "double",
  timestamp: "timestamp",
  date: "date",
  null: "void",
};

/** Spark's `simpleString` (`int`, `bigint`, `array<string>`, `struct<a:int,b:string>`), as in DDL and error messages. */
export function simpleString(t: DataType): string {
  switch (t.kind) {
    case "array":
      return `array<${simpleString(t.elementType)}>`;
    case "map":
      return `map<${simpleString(t.keyType)},${simpleString(t.valueType)}>`;
    case "struct":
      return `struct<${t.fields.map((f) => `${f.name}:${simpleString(f.dataType)}`).join(",")}>`;
    default:
      return SIMPLE_NAMES[t.kind];
  }
}

/** Spark's `typeName` (`integer`, `long`, `array`, `struct`), as printSchema shows it. */
export function typeName(t: DataType): string {
  switch (t.kind) {
    case "array":
    case "map":
    case "struct":
      return t.kind;
    default:
      return TYPE_NAMES[t.kind];
  }
}

/** Spark's `printSchema()` text (`root` then ` |-- name: type (nullable = true)` lines, nested types indented). */
export function treeString(schema: StructType): string {
  const lines = ["root"];
  const walk = (t: DataType, prefix: string): void => {
    if (t.kind === "struct") {
      for (const f of t.fields) {
        lines.push(`${prefix}|-- ${f.name}: ${typeName(f.dataType)} (nullable = ${f.nullable})`);
        walk(f.dataType, `${prefix}|    `);
      }
    } else if (t.kind === "array") {
      lines.push(`${prefix}|-- element: ${typeName(t.elementType)} (containsNull = ${t.containsNull})`);
      walk(t.elementType, `${prefix}|    `);
    } else if (t.kind === "map") {
      lines.push(`${prefix}|-- key: ${typeName(t.keyType)}`);
      walk(t.keyType, `${prefix}|    `);
      lines.push(`${prefix}|-- value: ${typeName(t.valueType)} (valueContainsNull = ${t.valueContainsNull})`);
      walk(t.valueType, `${prefix}|    `);
    }
  };
  walk(schema, " ");
  return lines.join("\n") + "\n";
}

const ATOMIC_BY_NAME: Record<string, DataType> = {
  string: StringType,
  varchar: StringType,
  binary: BinaryType,
  boolean: BooleanType,
  bool: BooleanType,
  tinyint: ByteType,
  byte: ByteType,
  smallint: ShortType,
  short: ShortType,
  int: IntegerType,
  integer: IntegerType,
  bigint: LongType,
  long: LongType,
  float: FloatType,
  real: FloatType,
  double: DoubleType,
  timestamp: TimestampType,
  timestamp_ltz: TimestampType,
  date: DateType,
  void: NullType,
};

/** The atomic type names {@link parseDataType} accepts, for error messages. */
export const ATOMIC_TYPE_NAMES: readonly string[] = Object.keys(ATOMIC_BY_NAME);

/**
 * Parses a Spark type string: a simple type (`int`, `bigint`, `string`, `array<string>`,
 * `map<string,int>`, `struct<a:int,b:string>`), or a DDL field list (`a INT, b STRING NOT NULL`,
 * which yields a struct). Case-insensitive, like Spark's DataType.fromDDL.
 */
export function parseDataType(text: string): DataType {
  const p = new TypeParser(text);
  const t = p.parseTop();
  return t;
}

/** Parses a schema: a DDL field list or a `struct<...>` string. Always returns a struct. */
export function parseSchema(text: string): StructType {
  const t = parseDataType(text);
  if (t.kind !== "struct") {
    throw new WeirError("PARSE", `a schema must be a list of fields such as "name STRING, age INT", got the type ${simpleString(t)} from ${JSON.stringify(text)}`);
  }
  return t;
}

class TypeParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  private fail(what: string): never {
    throw new WeirError("PARSE", `cannot parse the type ${JSON.stringify(this.text)}: ${what} at position ${this.pos}`, {
      details: { text: this.text, position: this.pos },
    });
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  private peek(): string {
    this.skipSpace();
    return this.text[this.pos] ?? "";
  }

  private expect(ch: string): void {
    if (this.peek() !== ch) this.fail(`expected '${ch}'`);
    this.pos++;
  }

  private ident(): string {
    this.skipSpace();
    if (this.text[this.pos] === "`") {
      const end = this.text.indexOf("`", this.pos + 1);
      if (end < 0) this.fail("unterminated back-quoted name");
      const name = this.text.slice(this.pos + 1, end);
      this.pos = end + 1;
      return name;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    if (m === null) this.fail("expected a name");
    this.pos += m[0].length;
    return m[0];
  }

  parseTop(): DataType {
    this.skipSpace();
    const save = this.pos;
    // A DDL field list starts with "name type"; a plain type is one word followed by <, end or nothing.
    const first = this.ident();
    const next = this.peek();
    if (next === "" || next === "<" || next === "(") {
      this.pos = save;
      const t = this.type();
      if (this.peek() !== "") this.fail("unexpected text after the type");
      return t;
    }
    this.pos = save;
    void first;
    const fields = this.fieldList("");
    if (this.peek() !== "") this.fail("unexpected text after the field list");
    return struct(fields);
  }

  private fieldList(close: string): StructField[] {
    const fields: StructField[] = [];
    for (;;) {
      const name = this.ident();
      if (this.peek() === ":") this.pos++;
      const dataType = this.type();
      let nullable = true;
      this.skipSpace();
      if (/^not\s+null/i.test(this.text.slice(this.pos))) {
        nullable = false;
        this.pos += /^not\s+null/i.exec(this.text.slice(this.pos))![0].length;
      }
      this.skipSpace();
      if (/^comment\s+'/i.test(this.text.slice(this.pos))) {
        this.pos = this.text.indexOf("'", this.pos) + 1;
        const end = this.text.indexOf("'", this.pos);
        if (end < 0) this.fail("unterminated comment");
        this.pos = end + 1;
      }
      fields.push(field(name, dataType, nullable));
      const c = this.peek();
      if (c === ",") {
        this.pos++;
        continue;
      }
      if (c === close) return fields;
      this.fail(close === "" ? "expected ',' or the end" : `expected ',' or '${close}'`);
    }
  }

  private type(): DataType {
    const name = this.ident().toLowerCase();
    if (name === "array") {
      this.expect("<");
      const e = this.type();
      this.expect(">");
      return arrayOf(e);
    }
    if (name === "map") {
      this.expect("<");
      const k = this.type();
      this.expect(",");
      const v = this.type();
      this.expect(">");
      return mapOf(k, v);
    }
    if (name === "struct") {
      this.expect("<");
      if (this.peek() === ">") {
        this.pos++;
        return struct([]);
      }
      const fields = this.fieldList(">");
      this.expect(">");
      return struct(fields);
    }
    const t = ATOMIC_BY_NAME[name];
    if (t === undefined) this.fail(`unknown type '${name}' (known: ${ATOMIC_TYPE_NAMES.join(", ")}, array<T>, map<K,V>, struct<...>)`);
    // Accept and ignore a length such as varchar(20).
    if (this.peek() === "(") {
      const end = this.text.indexOf(")", this.pos);
      if (end < 0) this.fail("unterminated '('");
      this.pos = end + 1;
    }
    return t;
  }
}
