/**
 * An in-process model of how the Pulumi engine (v3.248) and the Node.js dynamic-provider host drive a
 * dynamic provider: the state the engine keeps per resource, which provider method each operation calls
 * with which arguments, and what it stores from each answer (success, partial failure, plain error, or
 * nothing at all when the process is killed). The provider objects are called directly (no gRPC, no
 * serialization); properties go through the same protobuf `Struct` conversion the host uses.
 *
 * Engine facts this model relies on (read in the engine and SDK sources, pulumi/pulumi):
 * - `pkg/resource/deploy/step_generator.go` (`generateStepsFromDiff`, `applyReplaceOnChanges`): a diff with
 *   changes and `replaces` is a replacement (create-before-delete unless `deleteBeforeReplace`), with
 *   changes and no `replaces` an update; no changes is a same, EXCEPT when the old state has init
 *   errors: "If resource was unchanged, but there were initialization errors, generate an empty update
 *   step to attempt to 'continue' awaiting initialization" (`if hasInitErrors { ... NewUpdateStep }`).
 *   A provider diff of `DIFF_UNKNOWN` falls back to the engine's own comparison of old and new inputs.
 * - `pkg/resource/deploy/step.go`:
 *   - `CreateStep.Apply`: an error with `resp.Status == resource.StatusPartialFailure` stores the
 *     resource with `resp.ID`, `resp.Properties` as outputs and `InitErrors = initErr.Reasons`; any other
 *     error stores nothing ("return resp.Status, nil, err"); an empty ID is an error.
 *   - `UpdateStep.Apply`: a plain error returns before touching `s.new`, so the old state (outputs and
 *     init errors) stays; a partial failure stores the new outputs with the new init errors (and
 *     `pkg/engine/update.go` `OnResourceStepPost` then puts the OLD inputs back: "old inputs and new
 *     outputs"); a success stores the new outputs and no init errors.
 *   - `RefreshStep.Apply`: rebuilds the state from `Read`'s answer with `initErrors` only from a
 *     partial-failure `Read`; the dynamic-provider host's `read` never answers one, so a refresh drops
 *     every init error. Nil outputs (the provider answered an empty ID) make `s.new = nil`: the resource
 *     leaves the state. Inputs are replaced when `Read` returns some.
 * - `sdk/go/common/resource/plugin/provider_plugin.go` (`parseError`, `Read`): a gRPC error carrying an
 *   `ErrorResourceInitFailed` detail becomes `StatusPartialFailure` with `&InitError{Reasons}` (the user
 *   sees the reasons, formatted like hashicorp/go-multierror; no reasons: "resource init failed");
 *   `if string(readID) == "" { return ReadResult{} }` (the resource is gone).
 * - `sdk/nodejs/cmd/dynamic-provider/index.ts` (3.248: `node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js`):
 *   - `getProvider(props)` loads the provider from `props.__provider` and calls `configure` once per
 *     process and provider text; check/diff/update load it from the NEW inputs, create from its inputs,
 *     read/delete from the STORED outputs, so outputs without `__provider` break refresh and delete.
 *   - `check(olds, news)` gets the old *inputs*; `diff(id, olds, news)` and `update(id, olds, news)` get
 *     the old *outputs* (the engine's `Olds`); `read(id, props)` and `delete(id, props)` the outputs.
 *   - `resultIncludingProvider` adds `__provider` to create/update/read results, never to error details.
 *   - `grpcResponseFromError(e)`: a rejection with a truthy `e.id` becomes `ErrorResourceInitFailed`
 *     with `e.properties` and `e.reasons` (a partial failure); anything else a plain error with
 *     `e.message`. `read` and `delete` errors are always plain.
 *   - Results go through `Struct.fromJavaScript` (google-protobuf), which throws on `undefined` values.
 * - A killed `pulumi up` (SIGKILL): the step's provider call never answers and nothing is written for
 *   it. The snapshot journal (`pkg/backend`, `snapshotJournaler.snap`) keeps a pending CREATE operation
 *   ("these must require user intervention to be cleared or resolved"; `pulumi refresh
 *   --clear-pending-creates`), the resource itself is not in the state, so the next `up` calls `create`
 *   again. An interrupted update leaves the old state as it was (the pending operation is dropped).
 *   Every CLI run starts new plugin processes, so the next operation always meets a fresh provider.
 * - Engine scheduling: steps of independent resources run in parallel; a resource whose dependency
 *   failed is never registered; after a failure the deployment does no deletes. This model runs steps
 *   one at a time in declaration order, skips dependents of a failed or skipped resource, still runs
 *   independent ones (as if they had already been in flight), and deletes only after an error-free run.
 */
import { createRequire } from "node:module";
import { join } from "node:path";

/** A JSON-like property bag as the host hands it to a provider. */
export type Props = Record<string, unknown>;

/** The dynamic-provider methods the model calls (the shape of `pulumi.dynamic.ResourceProvider`). */
export interface DynamicProviderLike {
  check?(olds: Props, news: Props): Promise<{ inputs?: object; failures?: Array<{ property: string; reason: string }> }>;
  diff?(id: string, olds: never, news: never): Promise<{ changes?: boolean; replaces?: string[]; deleteBeforeReplace?: boolean }>;
  create(inputs: never): Promise<{ id: string; outs?: object }>;
  read?(id: string, props: never): Promise<{ id?: string; props?: object; inputs?: object }>;
  update?(id: string, olds: never, news: never): Promise<{ outs?: object } | void>;
  delete?(id: string, props: never): Promise<void>;
}

/** One resource in the stack state. */
export interface ResourceState {
  name: string;
  type: string;
  provider: DynamicProviderLike;
  id: string;
  inputs: Props;
  outputs: Props;
  initErrors: string[];
  dependsOn: string[];
  /** Replaced (create-before-delete) and waiting for its delete. */
  pendingDelete?: boolean;
}

/** One resource of the program, in declaration order. */
export interface DesiredResource {
  name: string;
  provider: DynamicProviderLike;
  inputs: Props;
  /** Resource type token (display only). Default `pulumi-nodejs:dynamic:Resource`. */
  type?: string;
  /** Names of resources this one depends on (explicitly or through inputs). */
  dependsOn?: string[];
}

export type StepOp = "create" | "update" | "replace" | "same" | "delete" | "refresh";

/** What one step did. */
export interface StepResult {
  name: string;
  op: StepOp | "skipped";
  ok: boolean;
  /** What the user sees for a failed step. */
  error?: string;
  /** The step failed as a partial failure (state written with init errors). */
  partial?: boolean;
  /** The process died during this step: nothing was written for it. */
  killed?: boolean;
}

export interface OperationResult {
  ok: boolean;
  /** The process was killed: the operation stopped there. */
  killed: boolean;
  steps: StepResult[];
  /** Every error the user saw, in order. */
  errors: string[];
}

export type PendingOperation = { name: string; type: "creating" | "updating" | "deleting"; inputs: Props };

/** Called around every provider call, for harnesses that watch what each call did. */
export interface CallInfo {
  operation: "up" | "refresh" | "destroy";
  name: string;
  method: "configure" | "check" | "diff" | "create" | "read" | "update" | "delete";
}

export interface EngineModelOptions {
  /** The stack config the host gives `configure` (namespaced keys such as `dcs:region`). */
  config: { get(key: string): string | undefined };
  /**
   * A new provider process starts: called once per operation, before its first provider call (every
   * `pulumi up`/`refresh`/`destroy` starts new plugin processes). Reset module state here.
   */
  newProcess?: () => void | Promise<void>;
  /** The provider's `configure`, called once per process and provider (lazily, like the host's `getProvider`). */
  configure?: (provider: DynamicProviderLike, req: { config: { get(key: string): string | undefined } }) => Promise<void>;
  beforeCall?: (info: CallInfo) => void | Promise<void>;
  afterCall?: (info: CallInfo, outcome: { ok: boolean; killed: boolean }) => void | Promise<void>;
  /** After a kill, how long (real ms) to let the dying call run out before going on. Default 2000. */
  killDrainMs?: number;
}

/** Thrown by the model's host for a resource whose stored outputs have no `__provider`. */
export class HostError extends Error {
  override name = "HostError";
}

const PROVIDER_KEY = "__provider";

// The same protobuf Struct conversion the dynamic-provider host applies to every result.
const pulumiRequire = createRequire(join(require.resolve("@pulumi/pulumi/package.json")));
const structpb = pulumiRequire("google-protobuf/google/protobuf/struct_pb.js") as {
  Struct: { fromJavaScript(o: Record<string, unknown>): { toJavaScript(): Record<string, unknown> } };
};

/** Round-trips properties through `google.protobuf.Struct`, as the host does (throws on `undefined`). */
export function marshal(props: object): Props {
  return structpb.Struct.fromJavaScript(props as Record<string, unknown>).toJavaScript();
}

/** The text the engine shows for an `InitError` (hashicorp/go-multierror's format). */
export function initErrorText(reasons: readonly string[]): string {
  if (reasons.length === 0) return "resource init failed";
  const points = reasons.map((r) => `\t* ${r}`).join("\n");
  return `${reasons.length} error${reasons.length === 1 ? "" : "s"} occurred:\n${points}\n\n`;
}

/** How the host turns a rejection into what the engine sees (`grpcResponseFromError` + `parseError`). */
function classifyRejection(e: unknown, allowPartial: boolean): { partial: false; message: string } | { partial: true; id: string; properties: Props; reasons: string[]; message: string } {
  const err = e as { id?: unknown; properties?: unknown; reasons?: unknown; message?: unknown } | null | undefined;
  const rpcMessage = typeof err?.message === "string" ? err.message : String(e);
  if (allowPartial && err && err.id) {
    const reasons = Array.isArray(err.reasons) ? err.reasons.map(String) : [];
    let properties: Props;
    try {
      properties = marshal((err.properties as object | undefined) ?? {});
    } catch (m) {
      // The host's own serialization failed while building the detail: a plain error then.
      return { partial: false, message: (m as Error).message };
    }
    return { partial: true, id: String(err.id), properties, reasons, message: initErrorText(reasons) };
  }
  return { partial: false, message: rpcMessage };
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Props)[k])]));
  return v;
}

/** Drops top-level `undefined` inputs (the SDK never sends them). */
function programInputs(p: Props): Props {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined));
}

class Killed {
  constructor(readonly settled: Promise<unknown>) {}
}

/**
 * The engine model: one stack, operated on by `up`, `refresh` and `destroy`. Call {@link kill} from
 * inside a provider call (e.g. from an injected clock) to simulate SIGKILL of the whole `pulumi` run.
 */
export class EngineModel {
  /** The stack state, in dependency (creation) order. */
  resources: ResourceState[] = [];
  pendingOperations: PendingOperation[] = [];
  /** Every operation's result, in order. */
  readonly history: Array<{ operation: CallInfo["operation"] } & OperationResult> = [];

  private readonly markers = new Map<DynamicProviderLike, string>();
  private readonly byMarker = new Map<string, DynamicProviderLike>();
  private configured = new Set<string>();
  private processStarted = false;
  private killRequested = false;
  private killSignal: { promise: Promise<void>; resolve: () => void } = EngineModel.signal();
  private operation: CallInfo["operation"] = "up";
  /** The step in progress (what a kill interrupted). */
  private stepOp: StepOp = "create";

  constructor(private readonly opts: EngineModelOptions) {}

  private static signal(): { promise: Promise<void>; resolve: () => void } {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  }

  /** The `__provider` text of a provider (stable per provider object). */
  providerText(p: DynamicProviderLike): string {
    let m = this.markers.get(p);
    if (!m) {
      m = `serialized-provider-${this.markers.size + 1}`;
      this.markers.set(p, m);
      this.byMarker.set(m, p);
    }
    return m;
  }

  /** The state of one resource, if any. */
  get(name: string): ResourceState | undefined {
    return this.resources.find((r) => r.name === name && !r.pendingDelete);
  }

  /** SIGKILL: the provider call in flight never answers; the operation stops; nothing more is written. */
  kill(): void {
    this.killRequested = true;
    this.killSignal.resolve();
  }

  /** True while the operation in progress has been killed. */
  get killed(): boolean {
    return this.killRequested;
  }

  // ---- operations -----------------------------------------------------------------------------

  /** `pulumi up` of a program declaring `desired` (in order). */
  async up(desired: DesiredResource[]): Promise<OperationResult> {
    return this.run("up", async (steps, errors) => {
      // Pending non-create operations from an interrupted run are dropped; pending creates stay.
      this.pendingOperations = this.pendingOperations.filter((o) => o.type === "creating");
      const failed = new Set<string>();
      for (const d of desired) {
        if (this.killRequested) break;
        if ((d.dependsOn ?? []).some((n) => failed.has(n))) {
          failed.add(d.name);
          steps.push({ name: d.name, op: "skipped", ok: false });
          continue;
        }
        this.stepOp = this.get(d.name) ? "update" : "create";
        const step = await this.register(d);
        if (step === "killed") {
          steps.push({ name: d.name, op: this.stepOp, ok: false, killed: true });
          break;
        }
        steps.push(step);
        if (!step.ok) {
          failed.add(d.name);
          if (step.error !== undefined) errors.push(step.error);
        }
      }
      if (this.killRequested || failed.size > 0) return;
      // Deletes: replaced resources and resources the program no longer declares, last created first.
      const keep = new Set(desired.map((d) => d.name));
      await this.deleteInReverse((r) => r.pendingDelete || !keep.has(r.name), steps, errors);
    });
  }

  /** `pulumi refresh` (non-interactive; pending creates stay unless `clearPendingCreates`). */
  async refresh(opts: { clearPendingCreates?: boolean } = {}): Promise<OperationResult> {
    return this.run("refresh", async (steps, errors) => {
      this.pendingOperations = this.pendingOperations.filter((o) => o.type === "creating" && !opts.clearPendingCreates);
      for (const r of [...this.resources]) {
        if (this.killRequested) return;
        if (r.pendingDelete) continue;
        const info: CallInfo = { operation: "refresh", name: r.name, method: "read" };
        const call = await this.call(info, async () => {
          const provider = await this.host(r.outputs, r.name);
          if (!provider.read) return { id: r.id, props: r.outputs };
          const props = marshal(r.outputs);
          const result = (await provider.read(r.id, props as never)) ?? {};
          const id = result.id ?? "";
          if (!id) return { id: "" };
          return {
            id,
            props: marshal(includingProvider(result.props, props)),
            ...(result.inputs ? { inputs: marshal(includingProvider(result.inputs, props)) } : {}),
          };
        });
        if (call === "killed") return;
        if (!call.ok) {
          const message = classifyRejection(call.error, false).message;
          steps.push({ name: r.name, op: "refresh", ok: false, error: message });
          errors.push(message);
          continue;
        }
        const v = call.value as { id: string; props?: Props; inputs?: Props };
        if (!v.id) {
          this.resources = this.resources.filter((x) => x !== r);
        } else {
          Object.assign(r, { id: v.id, outputs: v.props ?? {}, inputs: v.inputs ?? r.inputs, initErrors: [] });
        }
        steps.push({ name: r.name, op: "refresh", ok: true });
      }
    });
  }

  /** `pulumi destroy`: deletes every resource, last created first; stops at the first failure. */
  async destroy(): Promise<OperationResult> {
    return this.run("destroy", (steps, errors) => this.deleteInReverse(() => true, steps, errors));
  }

  // ---- internals ------------------------------------------------------------------------------

  /** Deletes the resources `which` picks, last created first; stops at a kill or the first failure. */
  private async deleteInReverse(which: (r: (typeof this.resources)[number]) => boolean, steps: StepResult[], errors: string[]): Promise<void> {
    for (const r of [...this.resources].reverse()) {
      if (!which(r)) continue;
      const res = await this.deleteOne(r);
      if (res === "killed") return;
      steps.push(res);
      if (!res.ok) {
        if (res.error !== undefined) errors.push(res.error);
        return;
      }
    }
  }

  private async run(operation: CallInfo["operation"], body: (steps: StepResult[], errors: string[]) => Promise<void>): Promise<OperationResult> {
    this.operation = operation;
    this.processStarted = false;
    this.configured = new Set();
    this.killRequested = false;
    this.killSignal = EngineModel.signal();
    const steps: StepResult[] = [];
    const errors: string[] = [];
    await body(steps, errors);
    const killed = this.killRequested;
    const result: OperationResult = { ok: !killed && steps.every((s) => s.ok), killed, steps, errors };
    this.history.push({ operation, ...result });
    // The next operation is a new process in any case; forget the kill.
    this.killRequested = false;
    return result;
  }

  /** The host's `getProvider(props)`: loads the provider named by `props.__provider`, configures it once per process. */
  private async host(props: Props, name: string): Promise<DynamicProviderLike> {
    const text = props[PROVIDER_KEY];
    const provider = typeof text === "string" ? this.byMarker.get(text) : undefined;
    if (!provider) {
      throw new HostError(
        `${name}: the dynamic-provider host cannot load the provider: the properties carry ${typeof text === "string" ? `an unknown ${PROVIDER_KEY}` : `no ${PROVIDER_KEY}`} (requireFromString(${String(text)}) fails)`,
      );
    }
    if (!this.processStarted) {
      this.processStarted = true;
      await this.opts.newProcess?.();
    }
    if (!this.configured.has(text as string)) {
      this.configured.add(text as string);
      await this.opts.configure?.(provider, { config: this.opts.config });
    }
    return provider;
  }

  /**
   * One provider call. Resolves `"killed"` when the process was killed during it (the answer, if any,
   * is dropped); otherwise the call's value or error.
   */
  private async call<T>(info: CallInfo, fn: () => Promise<T>): Promise<"killed" | { ok: true; value: T } | { ok: false; error: unknown }> {
    if (this.killRequested) return "killed";
    await this.opts.beforeCall?.(info);
    const settled = fn().then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    const first = await Promise.race([settled, this.killSignal.promise.then(() => new Killed(settled))]);
    if (first instanceof Killed || this.killRequested) {
      // Let the dying call run out (its own sleeps reject) so it does not overlap the next operation.
      await Promise.race([settled, new Promise((r) => setTimeout(r, this.opts.killDrainMs ?? 2_000).unref?.())]);
      await this.opts.afterCall?.(info, { ok: false, killed: true });
      return "killed";
    }
    await this.opts.afterCall?.(info, { ok: first.ok, killed: false });
    return first;
  }

  /** Registration of one declared resource: check, diff, then create / update / replace / same. */
  private async register(d: DesiredResource): Promise<StepResult | "killed"> {
    const type = d.type ?? "pulumi-nodejs:dynamic:Resource";
    const text = this.providerText(d.provider);
    const news = marshal({ ...programInputs(d.inputs), [PROVIDER_KEY]: text });
    const old = this.get(d.name);

    // check(olds = old inputs, news)
    const checked = await this.call({ operation: "up", name: d.name, method: "check" }, async () => {
      const provider = await this.host(news, d.name);
      const olds = old ? marshal(old.inputs) : {};
      let inputs: Props = news;
      let failures: Array<{ property: string; reason: string }> = [];
      if (provider.check) {
        const r = await provider.check(olds, marshal(news));
        if (r.inputs) inputs = r.inputs as Props;
        if (r.failures) failures = r.failures;
      }
      inputs = { ...inputs, [PROVIDER_KEY]: news[PROVIDER_KEY] };
      return { inputs: marshal(inputs), failures };
    });
    if (checked === "killed") return "killed";
    const firstOp: StepOp = old ? "update" : "create";
    if (!checked.ok) return { name: d.name, op: firstOp, ok: false, error: classifyRejection(checked.error, false).message };
    if (checked.value.failures.length) {
      return { name: d.name, op: firstOp, ok: false, error: checked.value.failures.map((f) => `${d.name}: ${f.property}: ${f.reason}`).join("\n") };
    }
    const inputs = checked.value.inputs;

    if (!old) return this.create(d, type, inputs, "create");

    // diff(id, olds = old OUTPUTS, news = checked inputs)
    const diffed = await this.call({ operation: "up", name: d.name, method: "diff" }, async () => {
      const provider = await this.host(inputs, d.name);
      if (!provider.diff) return { changes: undefined as boolean | undefined, replaces: [] as string[], deleteBeforeReplace: false };
      const r = await provider.diff(old.id, marshal(old.outputs) as never, marshal(inputs) as never);
      return { changes: r.changes, replaces: r.replaces ?? [], deleteBeforeReplace: !!r.deleteBeforeReplace };
    });
    if (diffed === "killed") return "killed";
    if (!diffed.ok) return { name: d.name, op: "update", ok: false, error: classifyRejection(diffed.error, false).message };
    const diff = diffed.value;
    const changes = diff.changes ?? !deepEqual(old.inputs, inputs);

    if (changes && diff.replaces.length > 0) {
      this.stepOp = "replace";
      if (diff.deleteBeforeReplace) {
        const del = await this.deleteOne(old);
        if (del === "killed") return "killed";
        if (!del.ok) return { ...del, name: d.name, op: "replace" };
        return this.create(d, type, inputs, "replace");
      }
      old.pendingDelete = true;
      const created = await this.create(d, type, inputs, "replace");
      if (created === "killed" || !created.ok) {
        // The replacement was not created: the old resource is not pending deletion.
        if (!this.resources.some((r) => r.name === d.name && !r.pendingDelete)) old.pendingDelete = false;
      }
      return created;
    }
    if (!changes && old.initErrors.length === 0) {
      this.stepOp = "same";
      // Same: new inputs, old outputs.
      old.inputs = inputs;
      old.dependsOn = d.dependsOn ?? [];
      return { name: d.name, op: "same", ok: true };
    }
    return this.update(d, old, inputs);
  }

  private async create(d: DesiredResource, type: string, inputs: Props, op: "create" | "replace"): Promise<StepResult | "killed"> {
    const pending: PendingOperation = { name: d.name, type: "creating", inputs };
    this.pendingOperations.push(pending);
    const called = await this.call({ operation: "up", name: d.name, method: "create" }, async () => {
      const provider = await this.host(inputs, d.name);
      const result = await provider.create(marshal(inputs) as never);
      const outs = marshal(includingProvider(result.outs, inputs));
      return { id: result.id, outs };
    });
    if (called === "killed") return "killed"; // the pending create stays in the snapshot
    this.pendingOperations = this.pendingOperations.filter((p) => p !== pending);
    const state = (id: string, outputs: Props, initErrors: string[]): ResourceState => ({
      name: d.name,
      type,
      provider: d.provider,
      id,
      inputs,
      outputs,
      initErrors,
      dependsOn: d.dependsOn ?? [],
    });
    if (called.ok) {
      if (!called.value.id) return { name: d.name, op, ok: false, error: "provider did not return an ID from Create" };
      this.insert(state(String(called.value.id), called.value.outs, []));
      return { name: d.name, op, ok: true };
    }
    const r = classifyRejection(called.error, true);
    if (!r.partial) return { name: d.name, op, ok: false, error: r.message };
    this.insert(state(r.id, r.properties, r.reasons));
    return { name: d.name, op, ok: false, partial: true, error: r.message };
  }

  private async update(d: DesiredResource, old: ResourceState, inputs: Props): Promise<StepResult | "killed"> {
    const pending: PendingOperation = { name: d.name, type: "updating", inputs };
    this.pendingOperations.push(pending);
    const called = await this.call({ operation: "up", name: d.name, method: "update" }, async () => {
      const provider = await this.host(inputs, d.name);
      if (!provider.update) return { outs: marshal(includingProvider(undefined, inputs)) };
      const result = (await provider.update(old.id, marshal(old.outputs) as never, marshal(inputs) as never)) || {};
      return { outs: marshal(includingProvider((result as { outs?: object }).outs, inputs)) };
    });
    if (called === "killed") return "killed"; // old state untouched
    this.pendingOperations = this.pendingOperations.filter((p) => p !== pending);
    if (called.ok) {
      Object.assign(old, { inputs, outputs: called.value.outs, initErrors: [], dependsOn: d.dependsOn ?? [] });
      return { name: d.name, op: "update", ok: true };
    }
    const r = classifyRejection(called.error, true);
    if (!r.partial) return { name: d.name, op: "update", ok: false, error: r.message };
    // Partial failure: new outputs and init errors, OLD inputs.
    Object.assign(old, { outputs: r.properties, initErrors: r.reasons });
    return { name: d.name, op: "update", ok: false, partial: true, error: r.message };
  }

  private async deleteOne(r: ResourceState): Promise<StepResult | "killed"> {
    this.stepOp = "delete";
    const pending: PendingOperation = { name: r.name, type: "deleting", inputs: r.inputs };
    this.pendingOperations.push(pending);
    const called = await this.call({ operation: this.operation, name: r.name, method: "delete" }, async () => {
      const provider = await this.host(r.outputs, r.name);
      if (provider.delete) await provider.delete(r.id, marshal(r.outputs) as never);
    });
    if (called === "killed") return "killed";
    this.pendingOperations = this.pendingOperations.filter((p) => p !== pending);
    if (!called.ok) return { name: r.name, op: "delete", ok: false, error: classifyRejection(called.error, false).message };
    this.resources = this.resources.filter((x) => x !== r);
    return { name: r.name, op: "delete", ok: true };
  }

  /** A new resource goes after the others (replacements take the old one's place in the order). */
  private insert(s: ResourceState): void {
    const at = this.resources.findIndex((r) => r.name === s.name && r.pendingDelete);
    if (at >= 0) this.resources.splice(at + 1, 0, s);
    else this.resources.push(s);
  }
}

/** The host's `resultIncludingProvider(result, props)`: `Object.assign(result || {}, { __provider })`. */
function includingProvider(result: object | undefined, props: Props): Props {
  return Object.assign((result as Props | undefined) || {}, { [PROVIDER_KEY]: props[PROVIDER_KEY] });
}
