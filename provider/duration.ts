/**
 * The duration grammar shared by the CLI's `--timeout` and the resources' `waitTimeout`/`adoptWithin`
 * (pure). Each caller applies its own bounds and messages; this only reads the text.
 */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * Reads a duration as whole milliseconds: a number of seconds (`90`, `1.5`, or a number), or one or more
 * number+unit parts (`90s`, `30m`, `1h30m`, `500ms`), case-insensitive, surrounding blanks ignored.
 * `undefined` when the text does not follow the grammar or the number is not finite. A negative number
 * comes back negative: whether zero or less is allowed is the caller's rule.
 */
export function parseDurationMs(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? Math.round(value * 1_000) : undefined;
  const t = value.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1_000);
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(t)) return undefined;
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return Math.round(ms);
}
