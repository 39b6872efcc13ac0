/**
 * The engine model against the engine's facts (see the header of engine-model.ts for where each fact
 * comes from), with scripted providers: what is stored after a partial failure, a plain error, a
 * refresh, a kill; which method the next `up` calls.
 */
import { describe, expect, it } from "vitest";
import { EngineModel, initErrorText, type DynamicProviderLike, type Props } from "./engine-model";

/** A scripted provider that records every call. */
function scripted(script: Partial<Record<"create" | "update" | "read" | "delete" | "diff", (...args: unknown[]) => unknown>> = {}) {
  const calls: Array<{ method: string; args: unknown[] }> = [];
  const rec =
    (method: "create" | "update" | "read" | "delete" | "diff", dflt: (...args: unknown[]) => unknown) =>
    async (...args: unknown[]) => {
      calls.push({ method, args });
      return (script[method] ?? dflt)(...args);
    };
  const provider = {
    check: async (_olds: Props, news: Props) => ({ inputs: news }),
    diff: rec("diff", (_id, olds, news) => ({ changes: (olds as Props).v !== (news as Props).v })),
    create: rec("create", (inputs) => ({ id: "id-1", outs: { ...(inputs as Props), made: true } })),
    read: rec("read", (id, props) => ({ id, props })),
    update: rec("update", (_id, _olds, news) => ({ outs: { ...(news as Props), updated: true } })),
    delete: rec("delete", () => undefined),
  };
  return { provider: provider as unknown as DynamicProviderLike, calls, methods: () => calls.map((c) => c.method) };
}

function partialFailure(id: string, properties: Props, reasons: string[]) {
  return Object.assign(new Error("wait interrupted"), { id, properties, reasons });
}

function model(extra: Partial<ConstructorParameters<typeof EngineModel>[0]> = {}) {
  const processes: number[] = [];
  const m = new EngineModel({ config: { get: () => undefined }, newProcess: () => void processes.push(processes.length + 1), ...extra });
  return { m, processes };
}

describe("engine model: create", () => {
  it("a partial failure on create stores the error's id, its properties as outputs, and the reasons as init errors", async () => {
    let fail = true;
    const p = scripted({
      create: (inputs) => {
        if (fail) throw partialFailure("id-9", { jobId: "j1", status: "RUNNING" }, ["still running; the next up resumes"]);
        return { id: "x", outs: inputs };
      },
    });
    const { m } = model();
    const r = await m.up([{ name: "a", provider: p.provider, inputs: { v: 1 } }]);
    expect(r.ok).toBe(false);
    expect(r.steps[0]).toMatchObject({ name: "a", op: "create", ok: false, partial: true });
    // The user sees the reasons (InitError), not the rejection's message.
    expect(r.errors[0]).toBe(initErrorText(["still running; the next up resumes"]));
    const s = m.get("a")!;
    expect(s.id).toBe("id-9");
    // No __provider: the host adds it to results, never to error details.
    expect(s.outputs).toEqual({ jobId: "j1", status: "RUNNING" });
    expect(s.initErrors).toEqual(["still running; the next up resumes"]);
    expect(s.inputs).toMatchObject({ v: 1 });
    fail = false;
  });

  it("a plain error on create stores nothing; the next up calls create again", async () => {
    let n = 0;
    const p = scripted({
      create: (inputs) => {
        if (n++ === 0) throw new Error("boom");
        return { id: "id-2", outs: inputs };
      },
    });
    const { m } = model();
    const first = await m.up([{ name: "a", provider: p.provider, inputs: { v: 1 } }]);
    expect(first).toMatchObject({ ok: false, errors: ["boom"] });
    expect(m.resources).toEqual([]);
    const second = await m.up([{ name: "a", provider: p.provider, inputs: { v: 1 } }]);
    expect(second.ok).toBe(true);
    expect(p.methods()).toEqual(["create", "create"]);
    expect(m.get("a")?.outputs.__provider).toBe(m.providerText(p.provider));
  });

  it("outputs that do not convert to a protobuf Struct (an undefined value) fail the step as a plain error", async () => {
    const p = scripted({ create: () => ({ id: "i", outs: { a: undefined } }) });
    const { m } = model();
    const r = await m.up([{ name: "a", provider: p.provider, inputs: {} }]);
    expect(r.ok).toBe(false);
    expect(r.errors[0]).toMatch(/Unexpected struct type/);
    expect(m.resources).toEqual([]);
  });
});

describe("engine model: update after init errors", () => {
  it("the next up calls update even when diff reports no changes; success clears the init errors", async () => {
    const p = scripted({
      create: () => {
        throw partialFailure("id-1", { v: 1, __provider: "serialized-provider-1", jobId: "j" }, ["pending"]);
      },
      diff: () => ({ changes: false }),
    });
    const { m } = model();
    m.providerText(p.provider); // "serialized-provider-1"
    await m.up([{ name: "a", provider: p.provider, inputs: { v: 1 } }]);
    const r = await m.up([{ name: "a", provider: p.provider, inputs: { v: 1 } }]);
    expect(r.steps[0]).toMatchObject({ op: "update", ok: true });
    expect(p.methods()).toEqual(["create", "diff", "update"]);
    // update gets the stored outputs as olds.
    expect(p.calls[2]!.args[1]).toEqual({ v: 1, __provider: "serialized-provider-1", jobId: "j" });
    expect(m.get("a")!.initErrors).toEqual([]);
    // Without init errors and without changes: a same, no provider call but diff.
    const again = await m.up([{ name: "a", provider: p.provider, inputs: { v: 1 } }]);
    expect(again.steps[0]).toMatchObject({ op: "same", ok: true });
    expect(p.methods()).toEqual(["create", "diff", "update", "diff"]);
  });

  it("a plain update error keeps the old state (outputs and init errors) unchanged", async () => {
    let mode: "ok" | "plain" | "partial" = "ok";
    const p = scripted({
      update: (_id, _olds, news) => {
        if (mode === "plain") throw new Error("update failed");
        if (mode === "partial") throw partialFailure("id-1", { v: (news as Props).v, half: true, __provider: (news as Props).__provider }, ["half done"]);
        return { outs: news };
      },
    });
    const { m } = model();
    await m.up([{ name: "a", provider: p.provider, inputs: { v: 1 } }]);
    const { outputs, inputs, initErrors } = m.get("a")!;
    const before = structuredClone({ outputs, inputs, initErrors });
    mode = "plain";
    const r = await m.up([{ name: "a", provider: p.provider, inputs: { v: 2 } }]);
    expect(r).toMatchObject({ ok: false, errors: ["update failed"] });
    const after = m.get("a")!;
    expect({ outputs: after.outputs, inputs: after.inputs, initErrors: after.initErrors }).toEqual({ outputs: before.outputs, inputs: before.inputs, initErrors: before.initErrors });

    // A partial update stores the new outputs and init errors, with the OLD inputs.
    mode = "partial";
    await m.up([{ name: "a", provider: p.provider, inputs: { v: 3 } }]);
    expect(m.get("a")).toMatchObject({ outputs: { v: 3, half: true }, initErrors: ["half done"], inputs: before.inputs });
  });
});

describe("engine model: refresh", () => {
  it("refresh rebuilds the state from read and drops init errors; the next up with no diff is a same", async () => {
    const p = scripted({
      create: () => {
        throw partialFailure("id-1", { v: 1, __provider: "serialized-provider-1", status: "RUNNING" }, ["pending"]);
      },
      read: (id, props) => ({ id, props: { ...(props as Props), status: "RUNNING" }, inputs: { v: 1 } }),
      diff: () => ({ changes: false }),
    });
    const { m } = model();
    m.providerText(p.provider);
    await m.up([{ name: "a", provider: p.provider, inputs: { v: 1 } }]);
    expect(m.get("a")!.initErrors).toEqual(["pending"]);
    const r = await m.refresh();
    expect(r.ok).toBe(true);
    expect(m.get("a")).toMatchObject({ initErrors: [], outputs: { status: "RUNNING", __provider: "serialized-provider-1" }, inputs: { v: 1, __provider: "serialized-provider-1" } });
    const up = await m.up([{ name: "a", provider: p.provider, inputs: { v: 1 } }]);
    expect(up.steps[0]).toMatchObject({ op: "same", ok: true });
    expect(p.methods()).not.toContain("update");
  });

  it("read answering an empty id removes the resource from the state", async () => {
    const p = scripted({ read: () => ({ id: "" }) });
    const { m } = model();
    await m.up([{ name: "a", provider: p.provider, inputs: { v: 1 } }]);
    await m.refresh();
    expect(m.resources).toEqual([]);
  });

  it("outputs without __provider (a partial failure that forgot it) make refresh and delete fail in the host", async () => {
    const p = scripted({
      create: () => {
        throw partialFailure("id-1", { v: 1 }, ["pending"]);
      },
    });
    const { m } = model();
    await m.up([{ name: "a", provider: p.provider, inputs: { v: 1 } }]);
    const r = await m.refresh();
    expect(r.ok).toBe(false);
    expect(r.errors[0]).toMatch(/no __provider/);
    const d = await m.destroy();
    expect(d.ok).toBe(false);
    expect(m.resources).toHaveLength(1);
  });
});

describe("engine model: kill", () => {
  it("a killed create stores nothing but a pending create; the next up (a new process) calls create again", async () => {
    let m!: EngineModel;
    let n = 0;
    const p = scripted({
      create: async (inputs) => {
        if (n++ === 0) {
          m.kill(); // SIGKILL while waiting
          throw new Error("the process died");
        }
        return { id: "id-1", outs: inputs };
      },
    });
    const made = model();
    m = made.m;
    const first = await m.up([
      { name: "a", provider: p.provider, inputs: { v: 1 } },
      { name: "b", provider: p.provider, inputs: { v: 2 } },
    ]);
    expect(first).toMatchObject({ ok: false, killed: true, errors: [] });
    expect(first.steps.map((s) => s.name)).toEqual(["a"]); // nothing after the kill
    expect(m.resources).toEqual([]);
    expect(m.pendingOperations).toMatchObject([{ name: "a", type: "creating" }]);
    const second = await m.up([{ name: "a", provider: p.provider, inputs: { v: 1 } }]);
    expect(second.ok).toBe(true);
    expect(p.methods()).toEqual(["create", "create"]);
    expect(made.processes).toEqual([1, 2]);
    // Pending creates need the user: a refresh keeps them unless cleared.
    await m.refresh();
    expect(m.pendingOperations).toHaveLength(1);
    await m.refresh({ clearPendingCreates: true });
    expect(m.pendingOperations).toHaveLength(0);
  });

  it("a killed update leaves the old state as it was", async () => {
    let m!: EngineModel;
    const p = scripted({
      update: async () => {
        m.kill();
        return { outs: { v: 99 } }; // the answer never reaches the engine
      },
    });
    m = model().m;
    await m.up([{ name: "a", provider: p.provider, inputs: { v: 1 } }]);
    const before = structuredClone(m.get("a")!.outputs);
    const r = await m.up([{ name: "a", provider: p.provider, inputs: { v: 2 } }]);
    expect(r.killed).toBe(true);
    expect(m.get("a")!.outputs).toEqual(before);
  });
});

describe("engine model: scheduling", () => {
  it("a failure skips dependents, still runs independent resources, and does no deletes", async () => {
    const bad = scripted({
      create: () => {
        throw new Error("nope");
      },
    });
    const good = scripted();
    const { m } = model();
    await m.up([{ name: "old", provider: good.provider, inputs: {} }]);
    const r = await m.up([
      { name: "a", provider: bad.provider, inputs: {} },
      { name: "b", provider: good.provider, inputs: {}, dependsOn: ["a"] },
      { name: "c", provider: good.provider, inputs: {} },
    ]);
    expect(r.steps.map((s) => [s.name, s.op, s.ok])).toEqual([
      ["a", "create", false],
      ["b", "skipped", false],
      ["c", "create", true],
    ]);
    expect(m.get("old")).toBeDefined();
    const ok = await m.up([{ name: "c", provider: good.provider, inputs: {} }]);
    expect(ok.ok).toBe(true);
    expect(m.resources.map((x) => x.name)).toEqual(["c"]);
    expect(good.methods()).toContain("delete");
  });

  it("diff with replaces is a create-before-delete replacement", async () => {
    const p = scripted({ diff: (_id, olds, news) => ((olds as Props).k !== (news as Props).k ? { changes: true, replaces: ["k"] } : { changes: false }) });
    let ids = 0;
    const q = scripted({ create: (inputs) => ({ id: `id-${++ids}`, outs: inputs }) });
    const provider = { ...(p.provider as object), create: (q.provider as { create: unknown }).create } as DynamicProviderLike;
    const { m } = model();
    await m.up([{ name: "a", provider, inputs: { k: 1 } }]);
    const r = await m.up([{ name: "a", provider, inputs: { k: 2 } }]);
    expect(r.steps.map((s) => s.op)).toEqual(["replace", "delete"]);
    expect(m.resources.map((x) => x.id)).toEqual(["id-2"]);
  });
});
