/**
 * Parsing and printing of durations for the CLI (pure).
 */
import { parseDurationMs } from "../duration";

/** Longest accepted timeout: setTimeout cannot wait longer than 2^31-1 ms (~24.8 days). */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/**
 * Parses a `--timeout`: the grammar of {@link parseDurationMs} (`90`, `90s`, `30m`, `1h30m`, `500ms`).
 * Returns milliseconds, or `undefined` when the text is not a positive duration within
 * {@link MAX_DURATION_MS}.
 */
export function parseDuration(text: string): number | undefined {
  const ms = parseDurationMs(text);
  return ms !== undefined && ms > 0 && ms <= MAX_DURATION_MS ? ms : undefined;
}

/** Elapsed time as `m:ss` or `h:mm:ss` (what a status line shows). */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1_000));
  const h = Math.floor(total / 3_600);
  const m = Math.floor((total % 3_600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** A duration for sentences: `850 ms`, `2.9 s`, `4 min 5 s`, `1 h 2 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(Math.round(ms / 100) / 10).toFixed(1)} s`;
  const totalS = Math.round(ms / 1_000);
  if (totalS < 3_600) {
    const s = totalS % 60;
    return `${Math.floor(totalS / 60)} min${s ? ` ${s} s` : ""}`;
  }
  const min = Math.floor((totalS % 3_600) / 60);
  return `${Math.floor(totalS / 3_600)} h${min ? ` ${min} min` : ""}`;
}
