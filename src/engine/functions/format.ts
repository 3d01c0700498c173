/**
 * How Spark prints values as text (CAST(x AS STRING), concat, show()): Java's Double.toString
 * for doubles, `[1, 2]` for arrays, `{1, a}` for structs, `{k -> v}` for maps.
 */
import type { DataType } from "../types.js";
import { formatDate, formatTimestamp } from "./datetime-util.js";

function javaStyle(v: number, digits: string): string {
  const abs = Math.abs(v);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(Number(digits));
    return s.includes(".") ? s : `${s}.0`;
  }
  const [mant, exp] = Number(digits).toExponential().split("e");
  return `${mant.includes(".") ? mant : `${mant}.0`}E${exp.startsWith("+") ? exp.slice(1) : exp}`;
}

/** Java's Double.toString: `1.0`, `0.001`, `1.0E7`, `1.0E-4`, `NaN`, `Infinity`, `-0.0`. */
export function doubleToString(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  if (v === 0) return Object.is(v, -0) ? "-0.0" : "0.0";
  return javaStyle(v, String(v));
}

/** Java's Float.toString: the shortest decimal that reads back as the same 32-bit float. */
export function floatToString(v: number): string {
  if (!Number.isFinite(v) || v === 0) return doubleToString(v);
  let digits = String(v);
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === Math.fround(v)) {
      digits = s;
      break;
    }
  }
  return javaStyle(v, digits);
}

/** A non-null value of type `t` as Spark's CAST(... AS STRING) prints it; `null` inside collections. */
export function valueToString(v: unknown, t: DataType): string {
  switch (t.kind) {
    case "string":
      return v as string;
    case "double":
      return doubleToString(v as number);
    case "float":
      return floatToString(v as number);
    case "byte":
    case "short":
    case "int":
    case "long":
      return typeof v === "bigint" ? v.toString() : (v as number).toFixed(0);
    case "boolean":
      return v ? "true" : "false";
    case "binary":
      return (v as Buffer).toString("utf8");
    case "timestamp":
      return formatTimestamp(v as number);
    case "date":
      return formatDate(v as number);
    case "null":
      return "null";
    case "array": {
      const et = t.elementType;
      return `[${(v as unknown[]).map((e) => (e === null ? "null" : valueToString(e, et))).join(", ")}]`;
    }
    case "struct":
      return `{${t.fields.map((f, i) => {
        const e = (v as unknown[])[i];
        return e === null || e === undefined ? "null" : valueToString(e, f.dataType);
      }).join(", ")}}`;
    case "map": {
      const parts: string[] = [];
      for (const [k, e] of v as Map<unknown, unknown>) {
        parts.push(`${valueToString(k, t.keyType)} -> ${e === null ? "null" : valueToString(e, t.valueType)}`);
      }
      return `{${parts.join(", ")}}`;
    }
  }
}

/** A value as Spark's toSQLValue quotes it in error messages: `'abc'`, `10000000000L`, `1.0E10D`. */
export function sqlValue(v: unknown, t: DataType): string {
  switch (t.kind) {
    case "string":
      return `'${String(v).replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
    case "long":
      return `${valueToString(v, t)}L`;
    case "short":
      return `${valueToString(v, t)}S`;
    case "byte":
      return `${valueToString(v, t)}Y`;
    case "double":
      return `${doubleToString(v as number)}D`;
    case "float":
      return `${floatToString(v as number)}F`;
    case "timestamp":
      return `TIMESTAMP '${formatTimestamp(v as number)}'`;
    case "date":
      return `DATE '${formatDate(v as number)}'`;
    default:
      return valueToString(v, t);
  }
}
