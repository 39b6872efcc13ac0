/**
 * The provider objects of the two kinds of job-backed resource, built from a spec: an action
 * ({@link actionProvider}: once per `triggers` value) or a state ({@link stateProvider}: a live value
 * brought to the wanted one, with drift on refresh). A typed resource of the operation table is one
 * spec and its input checks; the lifecycle, adoption, resume and partial failures are shared.
 */
import { DcsApiError } from "../errors";
import { recordFromOutputs, recordIds, recordOutputs, type LifecycleRecord } from "../lifecycle/record";
import type { Job } from "../types";
import { actionLabel, claimStored, runAction, type ActionInputs, type ActionOutputs, type ActionSpec } from "./action";
import { claims, clean, clientFor, log } from "./core";
import { assertChecked, compact, jobOutputs, locationReplaces, stableJson, withoutJobFields, type CheckResult, type DiffResult, type JobOutputs, type RecordOutputs } from "./logic";
import { bringState, diffAgainstLive, stateLabel, type Seen, type StateInputs, type StateSpec } from "./state";

/** A provider object as the dynamic-provider host calls it. */
export interface ResourceMethods<I, O> {
  check(olds: unknown, news: Record<string, unknown>): Promise<CheckResult<I>>;
  diff(id: string, olds: O, news: I): Promise<DiffResult>;
  create(inputs: I): Promise<{ id: string; outs: O }>;
  read(id: string, props: O): Promise<{ id: string; props?: O; inputs?: I }>;
  update(id: string, olds: O, news: I): Promise<{ outs: O }>;
  delete(id: string, props: O): Promise<void>;
}

function differs(a: unknown, b: unknown): boolean {
  return stableJson(a) !== stableJson(b);
}

/** What an action resource adds to {@link ActionSpec}. */
export interface ActionResource<I extends ActionInputs> {
  spec: ActionSpec<I>;
  check(news: Record<string, unknown>): CheckResult<I>;
  /** Inputs that identify the job's target (a change replaces the resource). */
  identity: readonly (keyof I & string)[];
  /** Inputs that only update state (besides the lifecycle's). */
  settings?: readonly (keyof I & string)[];
  /** When the spec depends on the inputs (the generic operation's task name). Default: `spec`. */
  specFor?(i: I): ActionSpec<I>;
}

/** The provider object of an action resource. */
export function actionProvider<I extends ActionInputs>(r: ActionResource<I>): ResourceMethods<I, ActionOutputs<I>> {
  const specOf = (i: I) => r.specFor?.(i) ?? r.spec;
  const settings = ["waitTimeout", "adoptWithin", "adoptFinished", "endpoint", ...(r.settings ?? [])];
  return {
    async check(_olds, news) {
      return r.check(news);
    },
    async diff(_id, olds, news) {
      claimStored(olds);
      const moved = locationReplaces(olds, news, r.identity);
      if (moved) return moved;
      const record = recordFromOutputs(olds, stableJson(olds.triggers));
      if (record.pending) return { changes: true };
      if (differs(olds.triggers, news.triggers) || record.ended?.outcome === "NOT_STARTED") return { changes: true };
      const o = olds as Record<string, unknown>;
      const n = news as unknown as Record<string, unknown>;
      return { changes: settings.some((k) => differs(o[k], n[k])) };
    },
    async create(inputs) {
      const i = clean(assertChecked(r.check(inputs as unknown as Record<string, unknown>)));
      return runAction(specOf(i), i, undefined, undefined, inputs);
    },
    async read(id, props) {
      const p = clean(props);
      claimStored(p);
      let outs: ActionOutputs<I> = p;
      if (p.jobId) {
        try {
          const { adopted: _a, ...fields } = jobOutputs(await clientFor(p).showJob(p.jobId), p.adopted ?? false);
          outs = { ...outs, ...fields };
        } catch (error) {
          // Jobs are not kept forever: a job the API no longer knows leaves the recorded result as it is.
          if (!(error instanceof DcsApiError && error.status === 404)) throw error;
        }
      }
      const { pending: _p, ended: _e, jobId: _j, jobType: _t, status: _s, beginTime: _b, endTime: _n, durationMs: _d, failReason: _f, adopted: _x, ...inputs } = p as ActionOutputs<I> & Record<string, unknown>;
      return { id, props: outs, inputs: inputs as unknown as I };
    },
    async update(id, olds, news) {
      const i = clean(assertChecked(r.check(news as unknown as Record<string, unknown>)));
      return { outs: (await runAction(specOf(i), i, clean(olds), id, news)).outs };
    },
    async delete(_id, props) {
      const p = clean(props);
      const pending = recordFromOutputs(p, stableJson(p.triggers)).pending;
      log(
        `${actionLabel(specOf(p), p)}: removed from the stack only; an operation that ran cannot be undone by deleting it (job ${p.jobId ?? "?"}). ` +
          `Nothing was started.${pending?.jobId ? ` Job ${pending.jobId} may still run: \`dcs-jobs wait ${pending.jobId}\`.` : ""}`,
      );
    },
  };
}

/** Outputs of a state resource: its inputs, with the value key holding the live value, the job and the record. */
export type StateOutputs<I> = I & Partial<Omit<JobOutputs, "adopted">> & RecordOutputs & { changed: boolean; adopted: boolean };

/** What a state resource adds to {@link StateSpec}. */
export interface StateResource<I extends StateInputs, V> {
  spec: StateSpec<I, V>;
  check(news: Record<string, unknown>): CheckResult<I>;
  /** The wanted value, from the inputs. */
  wanted(i: I): V;
  /** The inputs that hold it; in the outputs they hold the live value (see `withValue`). */
  valueKeys: readonly (keyof I & string)[];
  /** The inputs (or outputs) with `v` in the value keys. */
  withValue(o: I, v: V): I;
  /** Inputs that identify the target besides `instanceId` (a change replaces). */
  identity?: readonly (keyof I & string)[];
}

function stateOutputs<I extends StateInputs, V>(r: StateResource<I, V>, i: I, rec: LifecycleRecord, seen: Seen<V>, ran: boolean, last: Job | undefined): StateOutputs<I> {
  const current = rec.pending ?? rec.ended;
  let fields: Partial<JobOutputs> = {};
  if (last && current?.jobId === last.jobId) fields = jobOutputs(last, seen.adopted);
  else if (rec.pending) fields = compact({ jobId: rec.pending.jobId, status: "UNKNOWN" });
  const { adopted: _a, ...jobFields } = fields;
  return compact({
    ...(rec.pending || seen.live === undefined ? i : r.withValue(i, seen.live)),
    changed: ran || !!rec.pending || jobFields.jobId !== undefined,
    ...jobFields,
    adopted: seen.adopted,
    ...recordOutputs(rec),
  }) as StateOutputs<I>;
}

function storedRecord<I extends StateInputs, V>(r: StateResource<I, V>, o: StateOutputs<I> | undefined): LifecycleRecord {
  return o ? recordFromOutputs(o, stableJson(r.wanted(o))) : {};
}

/** The provider object of a state resource. */
export function stateProvider<I extends StateInputs, V>(r: StateResource<I, V>): ResourceMethods<I, StateOutputs<I>> {
  const run = async (i: I, prev: StateOutputs<I> | undefined, id: string, raw: object) => {
    const res = await bringState(r.spec, i, r.wanted(i), storedRecord(r, prev), {
      creating: !prev,
      id,
      raw,
      props: (rec, seen, last) => stateOutputs(r, i, rec, seen, false, last),
    });
    return stateOutputs(r, i, res.record, res.seen, res.ran, res.last);
  };
  const idOf = (i: I) => [i.instanceId, ...(r.identity ?? []).map((k) => String((i as Record<string, unknown>)[k]))].join(":");
  return {
    async check(_olds, news) {
      return r.check(news);
    },
    async diff(_id, olds, news) {
      claims.claim(...recordIds(storedRecord(r, olds)));
      const moved = locationReplaces(olds, news, ["instanceId", ...(r.identity ?? [])]);
      if (moved) return moved;
      if (storedRecord(r, olds).pending) return { changes: true };
      const o = olds as unknown as Record<string, unknown>;
      const n = news as unknown as Record<string, unknown>;
      if ([...r.valueKeys, "waitTimeout", "endpoint"].some((k) => differs(o[k], n[k]))) return { changes: true };
      return diffAgainstLive(r.spec, clean(news), r.wanted(news));
    },
    async create(inputs) {
      const i = clean(assertChecked(r.check(inputs as unknown as Record<string, unknown>)));
      return { id: idOf(i), outs: await run(i, undefined, idOf(i), inputs) };
    },
    async read(id, props) {
      const p = clean(props);
      claims.claim(...recordIds(storedRecord(r, p)));
      let live: V | undefined;
      try {
        live = await r.spec.read(clientFor(p), p, Date.now() + 60_000);
      } catch (error) {
        if (error instanceof DcsApiError && error.status === 404) {
          log(`${stateLabel(r.spec, p)}: the instance no longer exists (HTTP 404); dropping the resource from the state`);
          return { id: "" };
        }
        throw error;
      }
      const pending = storedRecord(r, p).pending;
      const stored = r.wanted(p);
      if (live !== undefined && !pending && differs(live, stored)) log(`${stateLabel(r.spec, p)}: drift: the instance reports ${r.spec.show(live)}, the stack says ${r.spec.show(stored)}`);
      // While a job of ours is pending, the value stays what it is for (the next `up` finishes it). After
      // drift the job fields would name a job whose value is gone: they are dropped (`ended` keeps it).
      const outs = (pending || live === undefined ? p : r.withValue(differs(live, stored) ? withoutJobFields(p) : p, live)) as StateOutputs<I>;
      const { pending: _p, ended: _e, jobId: _j, jobType: _t, status: _s, beginTime: _b, endTime: _n, durationMs: _d, failReason: _f, adopted: _x, changed: _c, ...inputs } = outs as StateOutputs<I> & Record<string, unknown>;
      return { id, props: outs, inputs: inputs as unknown as I };
    },
    async update(id, olds, news) {
      const i = clean(assertChecked(r.check(news as unknown as Record<string, unknown>)));
      return { outs: await run(i, clean(olds), id, news) };
    },
    async delete(_id, props) {
      const p = clean(props);
      log(`${stateLabel(r.spec, p)}: removed from the stack; the instance is left as it is (${r.spec.show(r.wanted(p))}).`);
    },
  };
}
