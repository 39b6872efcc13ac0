/**
 * The CLI's progress output with the task's progress (issue 12): a bar on a terminal, plain lines in CI
 * or a pipe, one JSON object per line with `--json` (stdout keeps only the result), and a failed step's
 * `error_code` in the failure message. In-process against the emulator (real time: the waits take the
 * default schedule's first delay, a few seconds).
 */
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, type CliIo } from "../provider/cli/main";
import { createProgressReporter, chooseProgressMode } from "../provider/cli/progress";
import { formatProgressEvent, PlainProgress } from "../provider/cli/render";
import { startEmulator, type RunningEmulator } from "../provider/emulator";
import type { ProgressSnapshot, WaitProgress } from "../provider/types";

let emulator: RunningEmulator;
const HA = "2b2c3d4e-0000-4000-8000-0000000000a1";
const HA_FAIL = "2b2c3d4e-0000-4000-8000-0000000000a2";

beforeAll(async () => {
  emulator = await startEmulator({
    instances: [HA, HA_FAIL].map((instance_id) => ({ instance_id, cache_mode: "ha" })),
    jobDurations: { masterStandbySwapJob: 7_000 },
    jobInitMs: 200,
  });
});
afterAll(async () => {
  await emulator?.stop();
});

function capture(tty = false): { stream: NodeJS.WritableStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new PassThrough();
  stream.on("data", (c: Buffer) => chunks.push(c.toString("utf8")));
  if (tty) Object.assign(stream, { isTTY: true, columns: 160 });
  return { stream, text: () => chunks.join("") };
}

function io(tty: boolean, env: Record<string, string> = {}) {
  const stdout = capture();
  const stderr = capture(tty);
  const value: CliIo = {
    env: { HW_DCS_ENDPOINT: emulator.url, HW_ACCESS_KEY: emulator.accessKey, HW_SECRET_KEY: emulator.secretKey, HW_PROJECT_ID: emulator.projectId, ...env },
    stdout: stdout.stream,
    stderr: stderr.stream,
    isTTY: tty,
  };
  return { io: value, stdout: stdout.text, stderr: stderr.text };
}

const snap = (over: Partial<ProgressSnapshot> = {}): ProgressSnapshot => ({
  taskId: "t",
  percent: 60,
  remainMs: 40_000,
  steps: [],
  current: { index: 1, total: 4, name: "switch roles", status: "EXECUTING" },
  done: false,
  ...over,
});
const ev = (p: Partial<WaitProgress>): WaitProgress => ({ kind: "progress", jobId: "ff80", polls: 0, elapsedMs: 12_000, ...p });

describe("progress output, pure", () => {
  it("--json picks JSON lines unless --quiet", () => {
    expect(chooseProgressMode({ quiet: false, isTTY: true, env: {}, json: true })).toBe("json");
    expect(chooseProgressMode({ quiet: true, isTTY: true, env: {}, json: true })).toBe("silent");
  });

  it("plain lines: one per step change, the ignored-answer line, the steps' durations at the end", () => {
    const plain = new PlainProgress();
    expect(plain.next(ev({ progress: snap() }))).toBe('[0:12] job ff80: step 2/4 "switch roles" (EXECUTING), 60%, about 40 s left');
    expect(plain.next(ev({ progress: snap({ percent: 70, remainMs: 30_000 }) }))).toBeUndefined(); // same step: no flood
    expect(plain.next(ev({ kind: "progress-ignored", reason: "remain_time -1 is not a number of seconds" }))).toMatch(/remain_time -1 .*the job's own status still decides/);
    const steps = [
      { name: "check instance", status: "FINISH", beginTime: new Date(0), endTime: new Date(2_000), subSteps: [] },
      { name: "switch roles", status: "FINISH", beginTime: new Date(2_000), endTime: new Date(22_000), subSteps: [] },
    ];
    expect(plain.next(ev({ progress: snap({ steps, final: true, done: true }) }))).toBe('[0:12] job ff80: steps: "check instance" 2 s, "switch roles" 20 s');
  });

  it("JSON events: status changes and progress, not every poll", () => {
    expect(formatProgressEvent(ev({}))).toBeUndefined(); // no snapshot
    expect(formatProgressEvent(ev({ kind: "poll" }))).toBeUndefined();
    expect(formatProgressEvent(ev({ progress: snap() }))).toEqual({
      event: "progress",
      jobId: "ff80",
      elapsedMs: 12_000,
      polls: 0,
      percent: 60,
      remainS: 40,
      step: { number: 2, of: 4, name: "switch roles", status: "EXECUTING" },
    });
  });

  it("the bar shows the percentage, the step and the time left on a terminal, and clears itself", async () => {
    const term = capture(true);
    Object.assign(term.stream, {
      cursorTo: (x: number) => term.stream.write(`\x1b[${x + 1}G`),
      moveCursor: () => undefined,
      clearLine: () => term.stream.write("\x1b[2K"),
    });
    const r = await createProgressReporter({ mode: "spinner", stream: term.stream, jobId: "ff80", now: () => 0 });
    r.onProgress(ev({ kind: "status-change", job: { status: "RUNNING" } as WaitProgress["job"], polls: 1 }));
    r.onProgress(ev({ progress: snap() }));
    r.stop();
    await new Promise((res) => setImmediate(res));
    const drawn = term.text();
    expect(drawn).toContain(" 60%");
    expect(drawn).toContain('step 2/4 "switch roles" (EXECUTING), about 40 s left');
    expect(drawn).toMatch(/\x1b\[0?J$/); // the bar is cleared (erase below the cursor) when it stops
  });
});

describe("dcs-jobs swap --wait, with the task's progress", () => {
  it("--json: stdout holds only the result; stderr has one JSON object per line, progress events among them", async () => {
    const t = io(false);
    expect(await run(["swap", HA, "--wait", "--json"], t.io)).toBe(0);
    expect(JSON.parse(t.stdout())).toMatchObject({ status: "SUCCESS", instanceId: HA });
    const events = t
      .stderr()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { event: string; step?: { name: string }; final?: boolean; steps?: unknown[] });
    expect(events.some((e) => e.event === "progress" && e.step?.name)).toBe(true);
    const final = events.filter((e) => e.event === "progress").at(-1)!;
    expect(final.final).toBe(true);
    expect(final.steps).toHaveLength(4);
    expect(events.some((e) => e.event === "status-change")).toBe(true);
  }, 30_000);

  it("in CI: plain lines with the step, and the steps' durations at the end", async () => {
    const t = io(true, { CI: "true" });
    expect(await run(["swap", HA, "--wait"], t.io)).toBe(0);
    const err = t.stderr();
    expect(err).not.toContain("\x1b[");
    expect(err).toMatch(/job \S+: step \d\/4 "[a-z ]+" \((EXECUTING|FINISH|WAITING)\)/);
    expect(err).toMatch(/job \S+: steps: "check instance" \d+ s, "switch roles" \d+ s, "refresh routes" \d+ s, "verify" \d+ s/);
  }, 30_000);

  it("a FAIL names the failed step's error_code next to the fail_reason (exit 1)", async () => {
    emulator.inject({ kind: "failJob", route: "swap", instanceId: HA_FAIL, failReason: "replication broken", errorCode: "DCS.4857" });
    const t = io(false);
    expect(await run(["swap", HA_FAIL, "--wait"], t.io)).toBe(1);
    expect(t.stderr()).toMatch(/replication broken \(step "switch roles" FAILED with error_code DCS\.4857\)/);
  }, 30_000);
});
