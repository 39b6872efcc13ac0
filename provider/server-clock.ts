/**
 * How far this machine's clock is from the DCS servers', read off the `Date` header of every answer
 * (RFC 9110 §6.6.1: the origin's clock at the moment it made the answer, to the second).
 *
 * Why: a lost start answer is reconciled by matching the task list's `created_at` (server clock)
 * against when the request was sent (this machine's clock). Without a measure, the two are allowed
 * {@link TASK_SKEW_MS} (60 s) apart, so a task of the kind that began up to a minute before the request
 * could pass for its result when the task list lagged at the snapshot (issue #10's model test found
 * this with two swaps on one instance). With a measure, the slack is the measured difference plus what
 * the measure cannot tell (the header's one-second resolution, the round trip) plus a margin, usually
 * a few seconds. The slack only ever widens with what was measured: a clock that runs ahead or behind
 * (or an emulator whose clock runs faster) gives a wider window, the safe direction (a window too
 * narrow would miss the request's own task and, after the grace, start the operation again).
 */
import { TASK_SKEW_MS } from "./tasks";

/** One reading of the server's clock. */
export interface ServerClockSample {
  /** Server time minus local time at the middle of the exchange (ms). */
  offsetMs: number;
  /** How much the reading cannot tell: the header's resolution plus half the round trip (ms). */
  uncertaintyMs: number;
  /** Local time of the reading (epoch ms). */
  atMs: number;
}

/** Margin on top of a measured difference (clock steps, several servers behind one gateway). */
export const SERVER_CLOCK_MARGIN_MS = 2_000;

/**
 * One sample from an answer's `Date` header and the local times the request left and the answer
 * came; undefined for a missing or unreadable header.
 */
export function sampleServerClock(dateHeader: string | undefined, sentAtMs: number, receivedAtMs: number): ServerClockSample | undefined {
  if (!dateHeader) return undefined;
  const server = Date.parse(dateHeader);
  if (Number.isNaN(server) || receivedAtMs < sentAtMs) return undefined;
  const half = (receivedAtMs - sentAtMs) / 2;
  // The header is truncated to the second: the server's clock read somewhere in [server, server + 1 s).
  return { offsetMs: Math.round(server + 500 - (sentAtMs + half)), uncertaintyMs: Math.round(500 + half), atMs: receivedAtMs };
}

/** Keeps the best recent sample: the one with the smallest uncertainty among the last few. */
export class ServerClock {
  private samples: ServerClockSample[] = [];
  constructor(private readonly keep = 8) {}

  observe(sample: ServerClockSample | undefined): void {
    if (!sample) return;
    this.samples.push(sample);
    if (this.samples.length > this.keep) this.samples.shift();
  }

  /** The best recent sample, if any. */
  best(): ServerClockSample | undefined {
    let best: ServerClockSample | undefined;
    for (const s of this.samples) if (!best || s.uncertaintyMs < best.uncertaintyMs) best = s;
    return best;
  }

  /** {@link taskSkewSlackMs} of the best sample. */
  slackMs(): number {
    return taskSkewSlackMs(this.best());
  }
}

/**
 * How far apart a task's `created_at` and this machine's send time may be and still be the same moment:
 * the measured difference (either way), its uncertainty and a margin; {@link TASK_SKEW_MS} unmeasured.
 */
export function taskSkewSlackMs(sample: ServerClockSample | undefined): number {
  if (!sample) return TASK_SKEW_MS;
  return Math.abs(sample.offsetMs) + sample.uncertaintyMs + SERVER_CLOCK_MARGIN_MS;
}
