/**
 * The planner, table by table: (stored record, what the user asks now, what was observed) -> (new
 * record, next action). Every row is a path a provider method can take; the defects of 0.1.0 that
 * each row pins are named (issue #10).
 */
import { describe, expect, it } from "vitest";
import { planStep, wantsNewJob, type Observation, type PlanContext } from "../provider/lifecycle/planner";
import { recordFromOutputs, recordIds, type LifecycleRecord, type PendingJob } from "../provider/lifecycle/record";
import type { TaskView } from "../provider/tasks";

const NOW = Date.UTC(2026, 10, 1, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const A = JSON.stringify(["a"]);
const B = JSON.stringify(["b"]);

const ctx = (over: Partial<PlanContext> = {}): PlanContext => ({
  kind: "action",
  jobType: "masterStandbySwapJob",
  intent: A,
  creating: false,
  nowMs: NOW,
  adoptWindowMs: 30 * 60_000,
  adoptFinished: true,
  unknownGraceMs: 5 * 60_000,
  isClaimed: () => false,
  what: "The master/standby switchover",
  instanceId: "8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e01",
  ...over,
});
const pending = (over: Partial<PendingJob> = {}): PendingJob => ({ origin: "started", jobId: "job-1", since: iso(NOW - 60_000), intent: A, ...over });
const ended = (outcome: "SUCCESS" | "FAIL" | "GONE" | "NOT_STARTED", intent = A): LifecycleRecord["ended"] => ({ outcome, origin: "started", jobId: "job-0", intent, since: iso(NOW - 3_600_000), at: iso(NOW - 3_500_000) });
const task = (taskId: string, phase: TaskView["phase"], agoMs: number, over: Partial<TaskView> = {}): TaskView => ({
  taskId,
  jobId: `job-${taskId}`,
  name: "masterStandbySwapJob",
  status: phase.toUpperCase(),
  phase,
  createdAtMs: NOW - agoMs,
  ...over,
});

describe("begin: what a create or update does first", () => {
  it.each<[string, LifecycleRecord, Partial<PlanContext>, string]>([
    ["create: look for an interrupted run's job before starting", {}, { creating: true }, "look"],
    ["create with adoptWithin 0: start at once", {}, { creating: true, adoptWindowMs: 0 }, "start"],
    ["unchanged triggers after SUCCESS: nothing", { ended: ended("SUCCESS") }, {}, "done"],
    ["unchanged triggers after FAIL: nothing (the FAIL is history, not a wedge; defect 2)", { ended: ended("FAIL") }, {}, "done"],
    ["changed triggers after FAIL: a new job (defect 2)", { ended: ended("FAIL") }, { intent: B }, "look"],
    ["changed triggers after GONE: a new job", { ended: ended("GONE") }, { intent: B }, "look"],
    ["a request never started: start it (same triggers)", { ended: ended("NOT_STARTED") }, {}, "look"],
    ["a pending job: wait for it, never start (defect 1)", { pending: pending() }, {}, "wait"],
    ["a pending job and new triggers: wait for it first", { pending: pending() }, { intent: B }, "wait"],
    ["an unknown start outcome: look for it (defect 10)", { pending: pending({ origin: "outcome-unknown", jobId: undefined }) }, {}, "reconcile"],
    ["state kind: read the live value", {}, { kind: "state" }, "read-live"],
  ])("%s", (_name, record, over, action) => {
    expect(planStep(record, ctx(over), { type: "begin" }).action.do).toBe(action);
  });

  it("a resumed job is read at once (it may have ended long ago)", () => {
    expect(planStep({ pending: pending() }, ctx(), { type: "begin" }).action).toMatchObject({ do: "wait", readAtOnce: true });
  });
});

describe("a wait ends", () => {
  const job = (status: "SUCCESS" | "FAIL", failReason?: string): Observation => ({ type: "job", job: { jobId: "job-1", status, ...(failReason ? { failReason } : {}) } });

  it("SUCCESS for what is wanted: done; the record says how it ended, nothing pending", () => {
    const p = planStep({ pending: pending() }, ctx(), job("SUCCESS"));
    expect(p.action).toEqual({ do: "done", ran: true });
    expect(p.record).toEqual({ ended: expect.objectContaining({ outcome: "SUCCESS", jobId: "job-1", intent: A, origin: "started" }) });
  });

  it("the record keeps the resource's earlier jobs (bounded), so a resource added later never adopts one", () => {
    const prev = { ...ended("SUCCESS")!, earlier: Array.from({ length: 12 }, (_, n) => `old-${n}`) };
    const p = planStep({ pending: pending(), ended: prev }, ctx(), job("SUCCESS"));
    expect(p.record.ended?.earlier).toEqual(["job-0", ...Array.from({ length: 9 }, (_, n) => `old-${n}`)]);
    expect(recordIds(p.record)).toEqual(expect.arrayContaining(["job-1", "job-0", "old-0"]));
  });

  it("SUCCESS of an older intent while new triggers are wanted: go on to the new job", () => {
    expect(planStep({ pending: pending() }, ctx({ intent: B }), job("SUCCESS")).action.do).toBe("look");
  });

  it("FAIL of our job fails the step with the fail_reason, and is recorded (defects 2, 5)", () => {
    const p = planStep({ pending: pending() }, ctx(), job("FAIL", "standby unhealthy"));
    expect(p.action).toMatchObject({ do: "fail", message: expect.stringContaining("standby unhealthy") });
    expect(p.record.pending).toBeUndefined();
    expect(p.record.ended).toMatchObject({ outcome: "FAIL", failReason: "standby unhealthy" });
  });

  it("FAIL of a resumed own pass-through job fails too (defect 5); an adopted one of someone else's does not", () => {
    const state = ctx({ kind: "state", jobType: "modifyClientIpTransJob", intent: "true" });
    expect(planStep({ pending: pending({ intent: "true" }) }, state, job("FAIL", "x")).action.do).toBe("fail");
    expect(planStep({ pending: pending({ intent: "true", origin: "adopted" }) }, state, job("FAIL", "x")).action.do).toBe("read-live");
  });

  it("state kind: our job for the wanted value -> a confirm look, then done (ran); an adopted one -> read the value again", () => {
    const state = ctx({ kind: "state", jobType: "modifyClientIpTransJob", intent: "true" });
    const after = planStep({ pending: pending({ intent: "true" }) }, state, job("SUCCESS"));
    // A change of the kind started after ours (an interrupted run's, towards another value) would undo it.
    expect(after.action).toEqual({ do: "look", purpose: "confirm-ran" });
    expect(planStep(after.record, state, { type: "tasks", tasks: [], purpose: "confirm-ran" }).action).toEqual({ do: "done", ran: true });
    expect(planStep({ pending: pending({ intent: "true" }) }, { ...state, adoptWindowMs: 0 }, job("SUCCESS")).action).toEqual({ do: "done", ran: true });
    // A change of the kind that began after ours and has ended may have overwritten it: read the value again.
    const since = Date.parse(after.record.ended!.since!);
    const later = { taskId: "t-later", name: "modifyClientIpTransJob", status: "SUCCESS", phase: "succeeded" as const, createdAtMs: since + 20_000 };
    expect(planStep(after.record, state, { type: "tasks", tasks: [later], purpose: "confirm-ran" }).action).toEqual({ do: "read-live" });
    // ...but not one that began before ours, nor after a plain confirm.
    expect(planStep(after.record, state, { type: "tasks", tasks: [{ ...later, createdAtMs: since - 20_000 }], purpose: "confirm-ran" }).action).toEqual({ do: "done", ran: true });
    expect(planStep(after.record, state, { type: "tasks", tasks: [later], purpose: "confirm" }).action).toEqual({ do: "done", ran: false });
    expect(planStep({ pending: pending({ intent: "true", origin: "adopted" }) }, state, job("SUCCESS")).action.do).toBe("read-live");
    expect(planStep({ pending: pending({ intent: "false" }) }, state, job("SUCCESS")).action.do).toBe("read-live");
  });

  it("interrupted (deadline, network, auth): fail the step, the job stays pending (never forgotten)", () => {
    const p = planStep({ pending: pending() }, ctx(), { type: "wait-interrupted", why: "the wait timed out" });
    expect(p.action).toMatchObject({ do: "fail", message: expect.stringContaining("resumes waiting") });
    expect(p.record.pending).toEqual(pending());
  });

  it("a job that can no longer be read (404): recorded as GONE and the step fails, once (defect 2: no loop)", () => {
    const p = planStep({ pending: pending() }, ctx(), { type: "job-gone" });
    expect(p.action.do).toBe("fail");
    expect(p.record).toEqual({ ended: expect.objectContaining({ outcome: "GONE", jobId: "job-1" }) });
    // The next up with the same triggers: nothing; with new triggers: a new job.
    expect(planStep(p.record, ctx(), { type: "begin" }).action.do).toBe("done");
    expect(planStep(p.record, ctx({ intent: B }), { type: "begin" }).action.do).toBe("look");
  });

  it("a 404 job whose task says SUCCESS or FAIL ends that way", () => {
    expect(planStep({ pending: pending() }, ctx(), { type: "job-gone", task: task("t", "succeeded", 60_000) }).action.do).toBe("done");
    expect(planStep({ pending: pending() }, ctx(), { type: "job-gone", task: task("t", "failed", 60_000) }).record.ended?.outcome).toBe("FAIL");
  });
});

describe("the look before starting", () => {
  it("a running job of the kind, not owned here, is adopted and waited for", () => {
    const p = planStep({}, ctx({ creating: true }), { type: "tasks", tasks: [task("t1", "running", 2_000)] });
    expect(p.action).toMatchObject({ do: "wait", readAtOnce: true });
    expect(p.record.pending).toMatchObject({ origin: "adopted", taskId: "t1", jobId: "job-t1", intent: A });
  });

  it("a sibling's job (claimed in this process) is never adopted (defect 4); the start knows the tasks listed", () => {
    const p = planStep({}, ctx({ creating: true, isClaimed: (id) => id === "job-t1" }), { type: "tasks", tasks: [task("t1", "succeeded", 2_000)] });
    expect(p.action).toEqual({ do: "start", knownTaskIds: ["t1"], knownFromMs: NOW - 30 * 60_000 });
  });

  it("update: a task from before the last job began is never adopted", () => {
    const rec = { ended: { ...ended("SUCCESS")!, since: iso(NOW - 10_000) } };
    expect(planStep(rec, ctx({ intent: B }), { type: "tasks", tasks: [task("t1", "succeeded", 20_000)] }).action.do).toBe("start");
    expect(planStep(rec, ctx({ intent: B }), { type: "tasks", tasks: [task("t2", "succeeded", 5_000)] }).action.do).toBe("wait");
  });

  it("state kinds: a matching value while a change of ours is still in flight (an interrupted run's) waits for it", () => {
    const state = ctx({ kind: "state", jobType: "modifyClientIpTransJob", intent: "false" });
    const running = task("t9", "running", 3_000, { name: "modifyClientIpTransJob" });
    const p = planStep({}, state, { type: "tasks", tasks: [running], purpose: "confirm" });
    expect(p.action).toMatchObject({ do: "wait", readAtOnce: true });
    expect(p.record.pending).toMatchObject({ origin: "adopted", taskId: "t9" });
  });

  it("state kinds never adopt a finished job", () => {
    const state = ctx({ kind: "state", jobType: "modifyClientIpTransJob", intent: "true" });
    expect(planStep({}, state, { type: "tasks", tasks: [task("t1", "succeeded", 2_000, { name: "modifyClientIpTransJob" })] }).action.do).toBe("start");
  });
});

describe("start", () => {
  it("started: pending with the job, waited for", () => {
    const p = planStep({}, ctx({ creating: true }), { type: "started", jobId: "job-9" });
    expect(p.record.pending).toMatchObject({ origin: "started", jobId: "job-9", since: iso(NOW), intent: A });
    expect(p.action).toMatchObject({ do: "wait", readAtOnce: false });
  });

  it("outcome unknown: stored as pending with the tasks listed before; the step fails, nothing resent (defect 10)", () => {
    const p = planStep({ ended: ended("SUCCESS", B) }, ctx(), { type: "start-unknown", sentAtMs: NOW - 1_000, knownTaskIds: ["old"], why: "HTTP 502" });
    expect(p.action).toMatchObject({ do: "fail", message: expect.stringContaining("NOT sent again") });
    expect(p.record.pending).toEqual({ origin: "outcome-unknown", since: iso(NOW - 1_000), knownTaskIds: ["old"], intent: A });
    expect(p.record.ended?.intent).toBe(B);
  });

  it("busy with the same kind: adopt the running job, never queue a second swap behind it (defect 11)", () => {
    const p = planStep({}, ctx({ creating: true }), { type: "busy-running", task: task("t5", "running", 1_000) });
    expect(p.action.do).toBe("wait");
    expect(p.record.pending).toMatchObject({ origin: "adopted", taskId: "t5" });
  });

  it("state kinds: 'already set' is done; a matching live value is done, another one looks then starts", () => {
    const state = ctx({ kind: "state", jobType: "modifyClientIpTransJob", intent: "true" });
    expect(planStep({}, state, { type: "already-set" }).action).toEqual({ do: "done", ran: false });
    // A matching value is confirmed by one look: a change still running could undo it.
    expect(planStep({}, state, { type: "live", matches: true }).action).toEqual({ do: "look", purpose: "confirm" });
    expect(planStep({}, state, { type: "tasks", tasks: [], purpose: "confirm" }).action).toEqual({ do: "done", ran: false });
    expect(planStep({}, { ...state, adoptWindowMs: 0 }, { type: "live", matches: true }).action.do).toBe("done");
    expect(planStep({}, state, { type: "live", matches: false }).action.do).toBe("look");
    expect(planStep({}, state, { type: "live", matches: undefined }).action.do).toBe("look");
  });
});

describe("reconcile an unknown start outcome (defects 3, 10)", () => {
  const unknown = pending({ origin: "outcome-unknown", jobId: undefined, since: iso(NOW - 60_000), knownTaskIds: ["old"] });
  const t = (id: string, agoMs: number) => task(id, "running", agoMs);

  it("exactly one new task: that is the job", () => {
    const p = planStep({ pending: unknown }, ctx(), { type: "reconcile", tasks: [t("old", 90_000), t("new", 50_000)] });
    expect(p.action.do).toBe("wait");
    expect(p.record.pending).toEqual({ origin: "reconciled", jobId: "job-new", taskId: "new", since: unknown.since, intent: A });
  });

  it("none yet, inside the grace: stays unknown, the step fails saying when it will start", () => {
    const p = planStep({ pending: unknown }, ctx(), { type: "reconcile", tasks: [t("old", 90_000)] });
    expect(p.action).toMatchObject({ do: "fail", message: expect.stringContaining(iso(NOW - 60_000 + 5 * 60_000)) });
    expect(p.record.pending).toEqual(unknown);
  });

  it("none after the grace: taken as never started, and started now (the user asked for it)", () => {
    const p = planStep({ pending: unknown }, ctx({ nowMs: NOW + 10 * 60_000 }), { type: "reconcile", tasks: [] });
    expect(p.record).toEqual({ ended: expect.objectContaining({ outcome: "NOT_STARTED", intent: A }) });
    expect(p.action.do).toBe("look");
  });

  it("none, and the user changed triggers: the user decided, start the new one", () => {
    const p = planStep({ pending: unknown }, ctx({ intent: B }), { type: "reconcile", tasks: [] });
    expect(p.record.ended?.outcome).toBe("NOT_STARTED");
    expect(p.action.do).toBe("look");
  });

  it("a state kind's unknown-outcome message never tells the user to change triggers (it has none; chaos seed 31)", () => {
    const state = ctx({ kind: "state", jobType: "modifyClientIpTransJob", intent: "true", what: "Setting client IP pass-through to true" });
    const started = planStep({}, state, { type: "start-unknown", sentAtMs: NOW, knownTaskIds: [], why: "HTTP 502" });
    const inside = planStep({ pending: { ...unknown, intent: "true" } }, state, { type: "reconcile", tasks: [] });
    for (const p of [started, inside]) {
      expect(p.action.do).toBe("fail");
      expect((p.action as { message: string }).message).not.toContain("triggers");
      expect((p.action as { message: string }).message).toMatch(/starts a change only if it still differs/);
    }
  });

  it("state kinds: none found waits out the grace too (the lost change could still land and undo a new one); after it, the live value decides", () => {
    const state = ctx({ kind: "state", jobType: "modifyClientIpTransJob", intent: "false" });
    const lost = { ...unknown, intent: "true" };
    // Even with a changed wanted value: a lost change of a state kind is waited out, not raced.
    expect(planStep({ pending: lost }, state, { type: "reconcile", tasks: [] }).action.do).toBe("fail");
    expect(planStep({ pending: lost }, { ...state, nowMs: NOW + 10 * 60_000 }, { type: "reconcile", tasks: [] }).action.do).toBe("read-live");
    // Several candidates: the live value decides (their changes still running are waited for).
    const two = [task("n1", "running", 50_000, { name: "modifyClientIpTransJob" }), task("n2", "running", 40_000, { name: "modifyClientIpTransJob" })];
    expect(planStep({ pending: lost }, state, { type: "reconcile", tasks: two }).action.do).toBe("read-live");
  });

  it("several candidates: cannot tell; the step fails, nothing started", () => {
    const p = planStep({ pending: unknown }, ctx(), { type: "reconcile", tasks: [t("n1", 50_000), t("n2", 40_000)] });
    expect(p.action).toMatchObject({ do: "fail", message: expect.stringContaining("2 masterStandbySwapJob tasks") });
  });

  it("a sibling's job is never this request's result (defect 4)", () => {
    const p = planStep({ pending: unknown }, ctx({ isClaimed: (id) => id === "new" }), { type: "reconcile", tasks: [t("new", 50_000)] });
    expect(p.action.do).toBe("fail");
  });
});

describe("wantsNewJob and 0.1.0 state", () => {
  it.each<[string, LifecycleRecord, Partial<PlanContext>, boolean]>([
    ["create", {}, { creating: true }, true],
    ["same intent, ended", { ended: ended("SUCCESS") }, {}, false],
    ["new intent", { ended: ended("SUCCESS") }, { intent: B }, true],
    ["never started", { ended: ended("NOT_STARTED") }, {}, true],
    ["no record: the stored inputs' intent", {}, { storedIntent: A }, false],
  ])("%s", (_n, rec, over, wanted) => {
    expect(wantsNewJob(rec, ctx(over))).toBe(wanted);
  });

  it("0.1.0 outputs read as the record they meant: SUCCESS ended, anything else (\"UNKNOWN\" too) pending", () => {
    expect(recordFromOutputs({ jobId: "j", status: "SUCCESS", beginTime: iso(NOW) }, A)).toEqual({ ended: expect.objectContaining({ outcome: "SUCCESS", jobId: "j", intent: A }) });
    expect(recordFromOutputs({ jobId: "j", status: "RUNNING", adopted: true, beginTime: iso(NOW) }, A)).toEqual({ pending: { origin: "adopted", jobId: "j", since: iso(NOW), intent: A } });
    expect(recordFromOutputs({ jobId: "j", status: "UNKNOWN" }, A).pending?.jobId).toBe("j");
    expect(recordFromOutputs({}, A)).toEqual({});
  });
});
