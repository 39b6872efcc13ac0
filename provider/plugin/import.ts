/**
 * `pulumi import` through the plugin: the engine's import step calls `Read` with the import ID and no
 * properties (`pkg/resource/deploy/step.go` v3.248.0, `ImportStep.Apply`: `prov.Read(...)` with only
 * `ID: ImportID`), and needs both outputs and inputs back ("provider does not support importing
 * resources" otherwise). This builds them from the ID with the runtime's own `read`, which only observes:
 * nothing is ever started.
 *
 * - Actions (`MasterStandbySwap`, `ClusterReplicaSwitchover`, `ReplicaIpRemoval`, `DcsOperation`): the ID
 *   names the target and the job (`<instanceId>:<jobId>`, ...). The job is read (ShowJobInfo; a job the API
 *   does not know fails the import, and where a vendor source names the operation's `job_type`, a job of
 *   another type does too), and the lifecycle record is what the runtime makes of such a job: `ended`
 *   (`SUCCESS` or `FAIL`) or, for a job still running, `pending` (the next `up` waits for it), with
 *   `origin: "adopted"`. **The rule for `triggers`**: which `triggers` value the job was for cannot be read
 *   from DCS, so the import records it for *no* triggers (`intent` `null`, `triggers` absent from inputs and
 *   outputs). A program that declares no `triggers` sees no change; one that declares some sees a
 *   `triggers` change, which runs the operation once more on the next `up`, unless it lists `triggers` in
 *   `ignoreChanges` (then the value is adopted as the import's).
 * - States: the ID names the target (`<instanceId>`, `<instanceId>:<accountId>`,
 *   `<instanceId>:<name>,<name>` for parameters), and the live value is read. The runtime's `read` needs
 *   a stored value to compare with, so it is read with two different stand-ins (`ImportDescriptor.probe`):
 *   a value that comes back as the stand-in both times is one the instance does not report, and fails the
 *   import. No job, no record: `changed: false`.
 * - `DcsJob`: `<jobId>`; the job is read as `read` does.
 *
 * The runtime's log lines of these reads (a state read compares with the stand-in and would report drift)
 * are not shown: {@link importing} is set around them.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { assertJobId } from "../config";
import { recordFromOutputs, recordOutputs } from "../lifecycle/record";
import { parseFreePath } from "../operations/request";
import { importFormat, token, type ImportPart, type ResourceDescriptor } from "./resources";
import type { Props } from "./secrets";

/** Set while an import reads: the plugin's log sink drops the runtime's lines then. */
export const importing = new AsyncLocalStorage<boolean>();

/** What an import needs of a runtime resource object. */
export interface ImportableRuntime {
  check(olds: unknown, news: Props): Promise<{ inputs?: unknown; failures?: Array<{ property: string; reason: string }> }>;
  read(id: string, props: never): Promise<{ id: string; props?: unknown; inputs?: unknown }>;
}

/** An import that cannot be done (bad ID, nothing there): the message says why and what the ID must be. */
export class ImportError extends Error {
  override name = "ImportError";
}

/** A value no parameter has: a parameter still holding it was not listed by the instance. */
const UNREAD = "\u0000not read";

/** The `intent` of "no triggers" (`stableJson(undefined)`): the rule for imported actions. */
export const IMPORTED_INTENT = "null";

/** The ID's parts by name (`jobId` included), or an {@link ImportError} that shows the format. */
export function parseImportId(d: ResourceDescriptor, id: string): Record<string, unknown> {
  const parts = d.import.parts;
  const fail = (why: string) =>
    new ImportError(`${token(d.name)}: cannot import ${JSON.stringify(id)}: ${why}. The import ID is \`${importFormat(d)}\`, e.g. \`${d.import.example}\`.`);
  const fields = id.split(":");
  const last = parts[parts.length - 1]!;
  let values: string[];
  if (last.json) {
    values = fields.slice(0, parts.length - 1);
    if (fields.length >= parts.length) values.push(fields.slice(parts.length - 1).join(":"));
  } else {
    values = fields;
  }
  const min = parts.filter((p) => !p.optional).length;
  if (values.length < min || values.length > parts.length) throw fail(`it has ${fields.length} part${fields.length === 1 ? "" : "s"} separated by ":"`);
  const out: Record<string, unknown> = {};
  parts.forEach((p: ImportPart, n) => {
    const v = values[n];
    if (v === undefined) return;
    if (v === "") throw fail(`${p.name} is empty`);
    if (p.json) {
      try {
        out[p.name] = JSON.parse(v);
      } catch {
        throw fail(`${p.name} is not JSON`);
      }
    } else if (p.list) {
      const names = v.split(",").map((x) => x.trim());
      if (names.some((x) => x === "")) throw fail(`${p.name} has an empty name`);
      out[p.name] = names;
    } else out[p.name] = v;
  });
  if (typeof out.jobId === "string") {
    try {
      assertJobId(out.jobId);
    } catch (e) {
      throw fail((e as Error).message.replace(/\.$/, ""));
    }
  }
  return out;
}

function containsUnread(v: unknown): boolean {
  if (v === UNREAD) return true;
  if (Array.isArray(v)) return v.some(containsUnread);
  if (v && typeof v === "object") return Object.values(v).some(containsUnread);
  return false;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}

/** Refuses ID parts the resource's own `check` refuses (before any call), naming the field. */
async function checkParts(d: ResourceDescriptor, r: ImportableRuntime, inputs: Props, given: string[], id: string): Promise<void> {
  const { failures } = await r.check({}, inputs);
  const bad = (failures ?? []).filter((f) => given.includes(f.property));
  if (bad.length) throw new ImportError(`${token(d.name)}: cannot import ${JSON.stringify(id)}: ${bad.map((f) => f.reason).join(" ")} The import ID is \`${importFormat(d)}\`.`);
}

/** The state and inputs an import reads: what the plugin's `Read` answers for an ID without properties. */
export async function importResource(d: ResourceDescriptor, r: ImportableRuntime, id: string): Promise<{ id: string; props: Props; inputs: Props }> {
  const fields = parseImportId(d, id);
  const { jobId, ...targets } = fields;
  const given = Object.keys(targets);
  return importing.run(true, async () => {
    if (d.kind === "state") return importState(d, r, id, targets, given);
    return importJob(d, r, id, jobId as string, targets, given);
  });
}

async function importJob(d: ResourceDescriptor, r: ImportableRuntime, id: string, jobId: string, targets: Record<string, unknown>, given: string[]) {
  await checkParts(d, r, targets, given, id);
  const read = await r.read(d.kind === "wait" ? jobId : `${targets.instanceId ?? "?"}:${jobId}`, { ...targets, jobId } as never);
  const outs = { ...((read.props ?? {}) as Props) };
  if (typeof outs.status !== "string") throw new ImportError(`${token(d.name)}: cannot import ${JSON.stringify(id)}: DCS does not know job ${jobId} (ShowJobInfo answered 404). Nothing was imported.`);
  if (d.jobType && outs.jobType !== d.jobType) {
    throw new ImportError(`${token(d.name)}: cannot import ${JSON.stringify(id)}: job ${jobId} is a ${String(outs.jobType)}, not a ${d.jobType}. Nothing was imported.`);
  }
  const inputs = { ...((read.inputs ?? {}) as Props) };
  if (d.kind === "wait") return { id: jobId, props: outs, inputs };
  // The record the runtime makes of a job found in the task list: ended, or pending while it runs.
  const rec = recordFromOutputs({ jobId, status: outs.status, beginTime: outs.beginTime as string | undefined, endTime: outs.endTime as string | undefined, failReason: outs.failReason as string | undefined, adopted: true }, IMPORTED_INTENT);
  delete outs.triggers;
  delete inputs.triggers;
  delete outs.pending;
  delete outs.ended;
  const subject =
    typeof targets.instanceId === "string"
      ? targets.instanceId
      : (parseFreePath(String(targets.method), String(targets.path)).path?.instanceId ?? `${String(targets.method).toUpperCase()} ${String(targets.path)}`);
  return { id: `${subject}:${jobId}`, props: { ...outs, adopted: true, ...recordOutputs(rec) }, inputs };
}

async function importState(d: ResourceDescriptor, r: ImportableRuntime, id: string, targets: Record<string, unknown>, given: string[]) {
  // A list part names the values to read (`parameters`): each starts as a stand-in no value has.
  const listed = d.import.parts.filter((p) => p.list).map((p) => p.name);
  const base: Props = { ...targets };
  for (const k of listed) base[k] = Object.fromEntries((targets[k] as string[]).map((n) => [n, UNREAD]));
  await checkParts(d, r, base, given, id);
  const resourceId = d.import.parts.filter((p) => !p.list).map((p) => String(targets[p.name])).join(":");
  const keys = [...new Set([...Object.keys(d.import.probe?.[0] ?? {}), ...listed])];
  const notReported = (props: Props) => {
    const missing = listed.flatMap((k) => Object.entries((props[k] ?? {}) as Props).filter(([, v]) => v === UNREAD).map(([n]) => n));
    const what = missing.length ? `parameter${missing.length > 1 ? "s" : ""} ${missing.map((m) => JSON.stringify(m)).join(", ")} (ListConfigurations)` : keys.join(", ");
    return new ImportError(`${token(d.name)}: cannot import ${JSON.stringify(id)}: the instance does not report ${what}. Nothing was imported.`);
  };
  const readWith = async (standIn: Props) => {
    const attempt = await r.read(resourceId, { ...base, ...standIn } as never);
    if (!attempt.id) throw new ImportError(`${token(d.name)}: cannot import ${JSON.stringify(id)}: the instance does not exist (HTTP 404). Nothing was imported.`);
    const props = { ...((attempt.props ?? {}) as Props) };
    return { props, inputs: { ...((attempt.inputs ?? {}) as Props) }, value: pick(props, keys) };
  };
  // A value other than the stand-in is the live one. The stand-in back is the live one only if the other
  // stand-in comes back as that value too (else the instance does not report it).
  const [first, second] = d.import.probe ?? [{}, undefined];
  let read = await readWith(first);
  if (containsUnread(read.value)) throw notReported(read.props);
  if (second && same(read.value, pick(first, keys))) {
    read = await readWith(second);
    if (same(read.value, pick(second, keys))) throw notReported(read.props);
  }
  const outs = read.props;
  const extra: Props = d.name === "ClientIpPassThrough" ? { initialEnabled: outs.enabled } : {};
  return { id: resourceId, props: { ...outs, ...extra, changed: false, adopted: false }, inputs: read.inputs };
}
