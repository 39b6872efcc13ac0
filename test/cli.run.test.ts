/**
 * `run()` in-process: what a spawned binary cannot show, i.e. the live status line on a terminal, and
 * that `run` resolves to exit codes without touching the process (no exit, no signal handlers).
 */
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, type CliIo } from "../provider/cli/main";
import { InterruptedError } from "../provider/cli/diagnose";
import { startEmulator, type RunningEmulator } from "../provider/emulator";

let emulator: RunningEmulator;
const HA = "2b2c3d4e-0000-4000-8000-000000000001";
const HA_HANG = "2b2c3d4e-0000-4000-8000-000000000002";
const HA_BUSY = "2b2c3d4e-0000-4000-8000-000000000003";
const HA_LOST = "2b2c3d4e-0000-4000-8000-000000000004";

beforeAll(async () => {
  emulator = await startEmulator({
    instances: [HA, HA_HANG, HA_BUSY, HA_LOST].map((instance_id) => ({ instance_id, cache_mode: "ha" })),
    jobDurations: { masterStandbySwapJob: 1_000 },
    jobInitMs: 200,
  });
});
afterAll(async () => {
  await emulator?.stop();
});

/** A capturing stream; `tty` makes it look like a 100-column terminal. */
function capture(tty = false): { stream: NodeJS.WritableStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new PassThrough();
  stream.on("data", (c: Buffer) => chunks.push(c.toString("utf8")));
  if (tty) {
    Object.assign(stream, {
      isTTY: true,
      columns: 100,
      cursorTo: (x: number) => stream.write(`\x1b[${x + 1}G`),
      moveCursor: (_x: number, y: number) => stream.write(`\x1b[${Math.abs(y)}${y < 0 ? "A" : "B"}`),
      clearLine: () => stream.write("\x1b[2K"),
    });
  }
  return { stream, text: () => chunks.join("") };
}

function io(tty: boolean, signal?: AbortSignal) {
  const stdout = capture();
  const stderr = capture(tty);
  const value: CliIo = {
    env: {
      HW_DCS_ENDPOINT: emulator.url,
      HW_ACCESS_KEY: emulator.accessKey,
      HW_SECRET_KEY: emulator.secretKey,
      HW_PROJECT_ID: emulator.projectId,
    },
    stdout: stdout.stream,
    stderr: stderr.stream,
    isTTY: tty,
    signal,
  };
  return { io: value, stdout: stdout.text, stderr: stderr.text };
}

describe("run() in-process", () => {
  it("on a terminal, draws a live status line (status, elapsed, polls) and clears it before the result", async () => {
    const t = io(true);
    const code = await run(["swap", HA, "--wait"], t.io);
    expect(code).toBe(0);
    const err = t.stderr();
    expect(err).toMatch(/job \S+: (waiting for the first answer|INIT|RUNNING), \d:\d\d elapsed, \d+ polls?/);
    expect(err).toContain("\x1b["); // a real live line, redrawn in place
    expect(err).not.toMatch(/\[\d:\d\d\] job/); // and not the plain CI lines
    expect(t.stdout()).toMatch(/\(masterStandbySwapJob\): SUCCESS/);
    expect(t.stdout()).not.toContain("\x1b[");
  });

  it("with CI set, prints plain lines even on a terminal", async () => {
    const t = io(true);
    t.io.env.CI = "true";
    const code = await run(["swap", HA, "--wait"], t.io);
    expect(code).toBe(0);
    expect(t.stderr()).not.toContain("\x1b[");
    expect(t.stderr()).toMatch(/\[\d:\d\d\] job \S+: .*SUCCESS/);
  });

  it("resolves 130 promptly when its signal aborts mid-wait", async () => {
    emulator.inject({ kind: "hangJob", route: "swap", instanceId: HA_HANG });
    const controller = new AbortController();
    const t = io(false, controller.signal);
    const running = run(["swap", HA_HANG, "--wait"], t.io);
    while (!/waiting for it to end/.test(t.stderr())) await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    controller.abort(new InterruptedError("SIGINT"));
    expect(await running).toBe(130);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(t.stderr()).toMatch(/Interrupted: stopped waiting for DCS job \S+\. The job itself keeps running in the cloud\./);
  });

  it("a swap while a swap runs exits 4 naming the running job; nothing is queued behind it (it would swap back)", async () => {
    emulator.inject({ kind: "hangJob", route: "swap", instanceId: HA_BUSY });
    const first = io(false);
    expect(await run(["swap", HA_BUSY, "--json"], first.io)).toBe(0);
    const runningJob = (JSON.parse(first.stdout()) as { jobId: string }).jobId;
    const second = io(false);
    expect(await run(["swap", HA_BUSY, "--wait"], second.io)).toBe(4);
    expect(second.stderr()).toContain(`A switchover is already running on instance ${HA_BUSY}: job ${runningJob}. Nothing was started.`);
    expect(second.stderr()).toContain(`dcs-jobs wait ${runningJob}`);
    expect(emulator.stats().startCalls.filter((s) => s.instanceId === HA_BUSY)).toHaveLength(1);
  });

  it("a swap --wait whose answer is lost is never taken for the swap that just finished before it", async () => {
    const first = io(false);
    expect(await run(["swap", HA_LOST, "--wait"], first.io)).toBe(0);
    // The next swap's answer is a 502 and nothing started: the earlier swap (seconds old) is not its result.
    emulator.inject({ kind: "serverError", route: "swap", instanceId: HA_LOST, status: 502 });
    const second = io(false);
    expect(await run(["swap", HA_LOST, "--wait"], second.io)).toBe(4);
    expect(second.stderr()).toMatch(/may have started/);
    expect(second.stdout()).not.toMatch(/SUCCESS/);
  });

  it("resolves 2 for a usage error, with commander's message on stderr", async () => {
    const t = io(false);
    expect(await run(["swap"], t.io)).toBe(2);
    expect(t.stderr()).toMatch(/missing required argument 'instance-id'/);
  });
});
