/** The task-list module's pure rules: phases, adoption, and which tasks a start request may have created. */
import { describe, expect, it } from "vitest";
import { Claims, decideAdoption, taskPhase, tasksStartedBy, type TaskView } from "../provider/tasks";

const NOW = Date.UTC(2026, 10, 1, 12, 0, 0);
const task = (taskId: string, status: string, createdAgoMs: number, extra: Partial<TaskView> = {}): TaskView => ({
  taskId,
  jobId: `job-${taskId}`,
  name: "masterStandbySwapJob",
  status,
  phase: taskPhase(status),
  createdAtMs: NOW - createdAgoMs,
  ...extra,
});

describe("taskPhase", () => {
  it.each([
    ["SUCCESS", "succeeded"],
    ["success", "succeeded"],
    ["FAIL", "failed"],
    ["FAILED", "failed"],
    ["RUNNING", "running"],
    ["INIT", "running"],
    ["EXECUTING", "running"],
    ["", "unknown"],
    [null, "unknown"],
    ["WEIRD_NEW_STATUS", "unknown"],
  ] as const)("%s -> %s", (status, phase) => {
    expect(taskPhase(status)).toBe(phase);
  });
});

describe("decideAdoption", () => {
  const q = { kind: "masterStandbySwapJob", nowMs: NOW, windowMs: 600_000, adoptFinished: true };
  it.each<[string, TaskView[], Partial<typeof q> & { notBeforeMs?: number; isExcluded?: (id: string) => boolean }, string | undefined]>([
    ["running beats finished", [task("a", "SUCCESS", 1000), task("b", "RUNNING", 500)], {}, "b"],
    ["a finished one with adoptFinished", [task("a", "SUCCESS", 1000)], {}, "a"],
    ["not a finished one without adoptFinished", [task("a", "SUCCESS", 1000)], { adoptFinished: false }, undefined],
    ["never a failed one", [task("a", "FAIL", 1000)], {}, undefined],
    ["never another kind", [task("a", "RUNNING", 1000, { name: "modifyClientIpTransJob" })], {}, undefined],
    ["never outside the window", [task("a", "RUNNING", 700_000)], {}, undefined],
    ["never an excluded task (by task ID)", [task("a", "RUNNING", 1000)], { isExcluded: (id) => id === "a" }, undefined],
    ["never an excluded task (by job ID)", [task("a", "RUNNING", 1000)], { isExcluded: (id) => id === "job-a" }, undefined],
    ["never one from before the previous job", [task("a", "SUCCESS", 1000)], { notBeforeMs: NOW - 1000 }, undefined],
    ["the newest finished one", [task("old", "SUCCESS", 5000), task("new", "SUCCESS", 1000)], {}, "new"],
    // An unknown phase (its job unreadable) is adopted as running: its job's status decides next.
    ["an unknown phase counts as running", [task("a", "PROCESSING?", 1000, { phase: "unknown" })], {}, "a"],
  ])("%s", (_name, tasks, over, adopted) => {
    expect(decideAdoption(tasks, { ...q, ...over }).adopt?.taskId).toBe(adopted);
  });

  it("a task whose status is unknown but whose job read FAIL is not adopted (the phase comes from the job)", () => {
    // lookAtTasks sets phase from the job when the task's status is unknown; here the job said FAIL.
    expect(decideAdoption([task("a", "WEIRD", 1000, { phase: "failed" })], { ...q, adoptFinished: false }).adopt).toBeUndefined();
    expect(decideAdoption([task("a", "WEIRD", 1000, { phase: "succeeded" })], { ...q, adoptFinished: false }).adopt).toBeUndefined();
  });

  it("says why each task was passed over", () => {
    const d = decideAdoption([task("a", "FAIL", 1000), task("b", "SUCCESS", 2000)], { ...q, adoptFinished: false, isExcluded: () => false });
    expect(d.passedOver.map((p) => [p.task.taskId, p.why])).toEqual([
      ["a", "it ended in FAIL"],
      ["b", "it already finished and adoptFinished is false"],
    ]);
  });
});

describe("tasksStartedBy (reconciliation after a lost answer)", () => {
  const sentAtMs = NOW - 5_000;
  const base = { kind: "masterStandbySwapJob", sentAtMs, nowMs: NOW };
  it.each<[string, TaskView, Partial<Parameters<typeof tasksStartedBy>[1]>, boolean]>([
    ["a task created after the request", task("a", "RUNNING", 2_000), {}, true],
    ["a task created just before it (clock skew)", task("a", "RUNNING", 30_000), {}, true],
    ["not one listed just before the request", task("a", "RUNNING", 30_000), { knownTaskIds: ["a"] }, false],
    ["not one that ended before the request", task("a", "SUCCESS", 200_000, { updatedAtMs: NOW - 190_000 }), {}, false],
    ["not another resource's", task("a", "RUNNING", 2_000), { isClaimed: (id) => id === "job-a" }, false],
    ["not another kind", task("a", "RUNNING", 2_000, { name: "modifyClientIpTransJob" }), {}, false],
    ["not one far older than the request", task("a", "RUNNING", 300_000), {}, false],
  ])("%s", (_name, t, over, found) => {
    expect(tasksStartedBy([t], { ...base, ...over }).length === 1).toBe(found);
  });
});

describe("Claims", () => {
  it("holds IDs, skips empty ones, clears", () => {
    const c = new Claims();
    c.claim("a", undefined, "", "b");
    expect([c.has("a"), c.has("b"), c.has("")]).toEqual([true, true, false]);
    c.clear();
    expect(c.has("a")).toBe(false);
  });
});
