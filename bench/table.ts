/** Plain-text tables for stdout (and Markdown tables for docs): columns padded, numbers right-aligned. */

export type Cell = string | number | undefined;

/** Formats a number for a table: fixed decimals, thousands kept plain so the output stays greppable. */
export function fmt(v: number | undefined, decimals = 1): string {
  if (v === undefined || Number.isNaN(v)) return "-";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  return v.toFixed(decimals);
}

function text(c: Cell): string {
  return c === undefined ? "-" : typeof c === "number" ? String(c) : c;
}

/** A padded table with a header rule; numeric-looking cells are right-aligned. */
export function renderTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const all = [headers.map(text), ...rows.map((r) => r.map(text))];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const numeric = (s: string) => /^[-+]?[\d.,]+( ?[a-zA-Z%/]+)?$/.test(s) || s === "-";
  const line = (r: string[]) =>
    r.map((c, i) => (numeric(c) && i > 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(all[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...all.slice(1).map(line)].join("\n");
}

/** The same table as GitHub Markdown (for pasting into docs/performance.md). */
export function renderMarkdown(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  return [
    `| ${headers.map(esc).join(" | ")} |`,
    `|${headers.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.map((c) => esc(text(c))).join(" | ")} |`),
  ].join("\n");
}
