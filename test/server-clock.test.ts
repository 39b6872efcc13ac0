import { describe, expect, it } from "vitest";
import { SERVER_CLOCK_MARGIN_MS, ServerClock, sampleServerClock, taskSkewSlackMs } from "../provider/server-clock";
import { TASK_SKEW_MS, tasksStartedBy, type TaskView } from "../provider/tasks";

const T = Date.UTC(2026, 11, 1, 10, 0, 0);
const http = (ms: number) => new Date(ms).toUTCString();

describe("server clock from Date headers", () => {
  it.each([
    // [what, Date header, sent, received, offset, uncertainty]
    ["in step, fast answer", http(T), T, T + 20, 490, 510],
    ["server 30 s ahead", http(T + 30_000), T, T + 200, 30_400, 600],
    ["server 5 s behind", http(T - 5_000), T, T, -4_500, 500],
  ])("%s", (_what, header, sent, received, offset, uncertainty) => {
    expect(sampleServerClock(header, sent, received)).toEqual({ offsetMs: offset, uncertaintyMs: uncertainty, atMs: received });
  });

  it("ignores a missing or unreadable header, and an answer before its request", () => {
    expect(sampleServerClock(undefined, T, T)).toBeUndefined();
    expect(sampleServerClock("yesterday", T, T)).toBeUndefined();
    expect(sampleServerClock(http(T), T, T - 1)).toBeUndefined();
  });

  it("slack: 60 s unmeasured; else the measured difference either way, its uncertainty and a margin", () => {
    expect(taskSkewSlackMs(undefined)).toBe(TASK_SKEW_MS);
    expect(taskSkewSlackMs({ offsetMs: -4_500, uncertaintyMs: 500, atMs: T })).toBe(5_000 + SERVER_CLOCK_MARGIN_MS);
    const c = new ServerClock(3);
    expect(c.slackMs()).toBe(TASK_SKEW_MS);
    c.observe({ offsetMs: 100, uncertaintyMs: 3_000, atMs: T });
    c.observe({ offsetMs: 200, uncertaintyMs: 600, atMs: T + 1 });
    c.observe(undefined);
    expect(c.best()?.offsetMs).toBe(200); // the sharpest reading wins
    for (let i = 0; i < 3; i++) c.observe({ offsetMs: 9_000, uncertaintyMs: 900, atMs: T + 2 + i });
    expect(c.best()?.offsetMs).toBe(9_000); // old readings age out
  });

  it("a measured clock keeps a task that ended half a minute before the request from passing for its result", () => {
    const task = (id: string, createdAtMs: number, updatedAtMs: number, status = "SUCCESS"): TaskView => ({ taskId: id, name: "masterStandbySwapJob", status, phase: status === "SUCCESS" ? "succeeded" : "running", createdAtMs, updatedAtMs });
    const sentAtMs = T;
    const earlier = task("earlier", T - 28_000, T - 22_000);
    const its = task("its", T + 400, T + 6_000);
    const q = { kind: "masterStandbySwapJob", sentAtMs, nowMs: T + 600_000, knownTaskIds: [] };
    expect(tasksStartedBy([earlier, its], q).map((t) => t.taskId)).toEqual(["earlier", "its"]); // unmeasured: 60 s
    const slack = taskSkewSlackMs(sampleServerClock(http(T), T, T + 30));
    expect(tasksStartedBy([earlier, its], { ...q, skewSlackMs: slack }).map((t) => t.taskId)).toEqual(["its"]);
    // A server clock 40 s behind this machine: its own task reads 40 s "before" the request, and still counts.
    const behind = task("behind", T - 39_600, T - 34_000);
    expect(tasksStartedBy([behind], { ...q, skewSlackMs: taskSkewSlackMs(sampleServerClock(http(T - 40_000), T, T + 30)) }).map((t) => t.taskId)).toEqual(["behind"]);
  });
});
