/** Plain-text and Markdown tables for benchmark output. */

/** A table: a header row and rows of already formatted cells. Columns listed in `left` are left-aligned, the rest right-aligned. */
export interface Table {
  head: readonly string[];
  rows: readonly (readonly string[])[];
  /** Indexes of left-aligned columns; default: the first one. */
  left?: readonly number[];
}

/** The table as aligned text lines (for the console). */
export function formatTable(t: Table): string {
  const left = new Set(t.left ?? [0]);
  const widths = t.head.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    widths
      .map((w, i) => (left.has(i) ? (cells[i] ?? "").padEnd(w) : (cells[i] ?? "").padStart(w)))
      .join("  ")
      .trimEnd();
  return [line(t.head), widths.map((w) => "-".repeat(w)).join("  "), ...t.rows.map(line)].join("\n");
}

/** Prints {@link formatTable} to stdout. */
export function printTable(t: Table): void {
  console.log(formatTable(t));
}

/** The table as GitHub Markdown (for docs/benchmarks.md). */
export function markdownTable(t: Table): string {
  const left = new Set(t.left ?? [0]);
  const esc = (s: string): string => s.replace(/\|/g, "\\|");
  const rule = t.head.map((_, i) => (left.has(i) ? "---" : "---:"));
  return [t.head, rule, ...t.rows].map((r) => `| ${r.map(esc).join(" | ")} |`).join("\n");
}

/** Formats a number with a fixed number of decimals and thousands separators ("1,234,567.8"). */
export function fmt(v: number | null | undefined, decimals = 0): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "";
  return v.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}
