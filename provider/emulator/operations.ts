/**
 * What each operation of the table (`provider/operations/table.ts`) does in the emulator: one entry per
 * operation, keyed by its SDK name, with its precondition (instance kind, conflicts, "already in that
 * state" refusals with the table's `alreadyCodes`) and the effect its job has on the instance when it
 * ends in SUCCESS. The state module runs the checks every operation shares (the instance exists, no
 * other job runs on it, it is RUNNING) and applies the effect in its settle step; the server checks the
 * path values and the body against the table first (`checkPathValues`, `checkBody`).
 *
 * Adding an operation: a table entry, an entry here (the type below refuses a table entry without one),
 * and its tests. Pure: no I/O, no clock.
 */
import type { z } from "zod";
import { checkBody, type FieldProblem } from "../operations/request";
import { OPERATIONS, type OperationName } from "../operations/table";
import type { OperationDef, PathValues } from "../operations/types";
import { ERRORS, type ErrorAnswer } from "./errors";
import type { SeedGroup, SeedInstance, SeedRedisParam, SeedReplica } from "./seed";

/** A start call, after its path values and body passed the table's checks. */
export interface OperationCall {
  op: OperationDef;
  values: PathValues;
  /** The parsed body (`{}` for an operation without one). */
  body: Record<string, unknown>;
}

/**
 * What a job does to its instance when it ends in SUCCESS: data (fields set on the instance) or a
 * function of the instance record. A job that fails, or whose instance was deleted, changes nothing.
 */
export type JobEffect = Readonly<Partial<SeedInstance>> | ((inst: SeedInstance) => void);

/** The fields of the vendor's `DetailsBody` the emulator fills in (`model_details_body.go`; types exact). */
export interface TaskDetails {
  enable_public_ip?: boolean;
  public_ip_id?: string;
  public_ip_address?: string;
  enable_ssl?: boolean;
  group_name?: string;
  node_name?: string;
  replica_ip?: string;
  account_name?: string;
  new_capacity?: string;
  updated_config_length?: number;
}

/** An accepted start: the job's effect, its task's `params` and `details`, and extra answer fields. */
export interface OperationStart {
  effect?: JobEffect;
  /** The task's `params`: a string (the SDK's `*string`), the request as JSON; null when there is none. */
  params: string | null;
  details?: TaskDetails;
  /** Fields of the start answer besides `job_id`, when the SDK's response model has them. */
  answer?: Record<string, unknown>;
}

/** The job running on an instance, as a busy check sees it. */
export interface ActiveJob {
  /** The SDK name of its operation (`swapSync` for the synchronous swap). */
  operation: string;
  jobType: string;
}

/** One operation in the emulator. */
export interface EmulatedOperation {
  /**
   * `instance`: about one instance (it must exist, be RUNNING, and have no other job running).
   * `tenant`: about none (ExportInstancesTask): no instance checks, never busy, always starts a job.
   */
  scope: "instance" | "tenant";
  /** The answer when `active` runs on the instance; default 400 `DCS.4026` (busy). */
  busy?(active: ActiveJob): ErrorAnswer;
  /** The precondition, then what the job will do. An error answer refuses the call: nothing starts. */
  start(inst: SeedInstance | undefined, call: OperationCall): ErrorAnswer | OperationStart;
}

/** True for an error answer (a refused start). */
export function isErrorAnswer(x: ErrorAnswer | OperationStart): x is ErrorAnswer {
  return typeof (x as ErrorAnswer).code === "string" && typeof (x as ErrorAnswer).status === "number";
}

/** A master/standby swap: the standby becomes master. Also the synchronous `POST .../swap`. */
export function swapMasterStandby(inst: SeedInstance): void {
  const m = inst.master_node;
  inst.master_node = inst.standby_node;
  inst.standby_node = m;
}

/** The table's "already in that state" code at `index` (throws if the table has none: a bug here). */
function alreadyCode(op: OperationDef, index: number): string {
  const code = op.alreadyCodes?.[index];
  if (code === undefined) throw new Error(`${op.name} has no alreadyCodes[${index}] in the operation table.`);
  return code;
}

/** The shard and replica a cluster call names, or the 404 for whichever is missing. */
function findReplica(inst: SeedInstance, values: PathValues): { group: SeedGroup; node: SeedReplica; index: number } | ErrorAnswer {
  const group = inst.groups.find((g) => g.group_id === values.group_id);
  if (!group) return ERRORS.notFoundOnInstance(`shard (group) ${values.group_id} of instance ${inst.instance_id}`);
  const index = group.replicas.findIndex((r) => r.node_id === values.node_id);
  if (index < 0) return ERRORS.notFoundOnInstance(`node ${values.node_id} in shard ${values.group_id}`);
  return { group, node: group.replicas[index]!, index };
}

/** A node's name in ShowNodesInformation and task details: `group-0-0` (shard name, position). */
export function nodeName(group: SeedGroup, index: number): string {
  return `${group.group_name}-${index}`;
}

/** The public IP the emulator "allocates" for a binding: a TEST-NET-3 address derived from the EIP/ELB ID. */
export function publicAddressFor(id: string): string {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `203.0.113.${1 + (h % 254)}`;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(\/([12]?\d|3[0-2]))?$/;

/** True when a new value is outside the parameter's range (Integer: `min-max`; Enum: one of the list). */
function badValue(p: SeedRedisParam, value: string): boolean {
  if (p.value_type === "Integer") {
    if (!/^-?\d+$/.test(value)) return true;
    const [min, max] = p.value_range.split("-").map(Number) as [number, number];
    const n = Number(value);
    return n < min || n > max;
  }
  if (p.value_type === "Enum") return !p.value_range.split(",").includes(value);
  return false;
}

const json = (v: unknown): string => JSON.stringify(v);

/** Every operation of the table, keyed by SDK name: a table entry without one does not compile. */
export const EMULATED_OPERATIONS: { readonly [K in OperationName]: EmulatedOperation } = {
  ChangeMasterStandbyAsync: {
    scope: "instance",
    start(inst) {
      if (inst!.cache_mode !== "ha") return ERRORS.swapNotSupported();
      return { effect: swapMasterStandby, params: null };
    },
  },

  UpdateClientIpTransparentTransmission: {
    scope: "instance",
    // The contract's code for a second pass-through change; anything else running is the general busy.
    busy: (a) => (a.jobType === "modifyClientIpTransJob" ? ERRORS.clientIpInProgress() : ERRORS.instanceBusy(a.jobType)),
    start(inst, { op, body }) {
      const enable = body.transparent_client_ip_enable;
      // The SDK's model has the field optional; the operation needs it.
      if (typeof enable !== "boolean") return ERRORS.invalidParameter("transparent_client_ip_enable");
      const i = inst!;
      if (!i.support_transparent_client_ip) return ERRORS.clientIpNotSupported();
      if (i.transparent_client_ip_enable === enable) {
        // alreadyCodes: [already off, already on].
        return enable
          ? ERRORS.alreadyInState(alreadyCode(op, 1), "Client IP pass-through is already enabled.")
          : ERRORS.alreadyInState(alreadyCode(op, 0), "Client IP pass-through is already disabled.");
      }
      if (enable && i.enable_ssl) return ERRORS.sslPassThroughConflict("client IP pass-through");
      return { effect: { transparent_client_ip_enable: enable }, params: json({ transparent_client_ip_enable: enable }) };
    },
  },

  ExecuteClusterSwitchover: {
    scope: "instance",
    start(inst, { values }) {
      const i = inst!;
      if (i.groups.length === 0) return ERRORS.operationNotSupported("Cluster shard switchover", i.cache_mode);
      const found = findReplica(i, values);
      if ("code" in found) return found;
      if (found.node.role === "master") return ERRORS.nodeAlreadyMaster(found.node.node_id);
      const { group_id, node_id } = values;
      return {
        // The replica becomes its shard's master, the old master a replica.
        effect: (live) => {
          const g = live.groups.find((x) => x.group_id === group_id);
          if (!g) return;
          g.replicas = g.replicas.map((r) => ({ ...r, role: r.node_id === node_id ? "master" : "slave" }));
        },
        params: json({ group_id, node_id }),
        details: { group_name: found.group.group_name, node_name: nodeName(found.group, found.index) },
      };
    },
  },

  UpdateSslSwitch: {
    scope: "instance",
    start(inst, { body }) {
      const i = inst!;
      const enabled = body.enabled as boolean;
      if (!i.support_ssl) return ERRORS.operationNotSupported("SSL", i.cache_mode);
      if (enabled && i.transparent_client_ip_enable) return ERRORS.sslPassThroughConflict("SSL");
      // No "already on/off" refusal: the table documents no code for it; the job ends without change.
      return { effect: { enable_ssl: enabled }, params: json(body), details: { enable_ssl: enabled }, answer: { instance_id: i.instance_id } };
    },
  },

  UpdatePublicIp: {
    scope: "instance",
    start(inst, { body }) {
      const b = body as { publicip_id?: string; elb_id?: string; enable_ssl?: boolean };
      // Redis 3.0 binds an EIP (`publicip_id`), 4.0 and later an ELB (`elb_id`): one of them is needed.
      const target = b.publicip_id ?? b.elb_id;
      if (target === undefined) return ERRORS.invalidParameter("elb_id");
      const address = publicAddressFor(target);
      return {
        effect: { enable_publicip: true, publicip_id: b.publicip_id ?? null, publicip_address: address },
        params: json(body),
        details: { enable_public_ip: true, ...(b.publicip_id !== undefined ? { public_ip_id: b.publicip_id } : {}), public_ip_address: address },
      };
    },
  },

  DeletePublicIp: {
    scope: "instance",
    start() {
      return { effect: { enable_publicip: false, publicip_id: null, publicip_address: null }, params: null, details: { enable_public_ip: false } };
    },
  },

  UpdateIpWhitelistAsync: {
    scope: "instance",
    start(inst, { body }) {
      const i = inst!;
      const b = body as { instance_id?: string; enable_whitelist: boolean; whitelist: Array<{ group_name: string; ip_list: string[] }> };
      if (b.instance_id !== undefined && b.instance_id !== i.instance_id) return ERRORS.invalidParameter("instance_id");
      // Limits from the SDK's `Whitelist` doc comments: 4 groups, 20 IPs or ranges, never 0.0.0.0(/0).
      if (b.whitelist.length > 4) return ERRORS.invalidParameter("whitelist");
      if (b.whitelist.reduce((n, g) => n + g.ip_list.length, 0) > 20) return ERRORS.invalidParameter("whitelist");
      const names = new Set<string>();
      for (const [n, g] of b.whitelist.entries()) {
        if (names.has(g.group_name)) return ERRORS.invalidParameter(`whitelist[${n}].group_name`);
        names.add(g.group_name);
        if (g.ip_list.some((ip) => !IPV4.test(ip) || ip === "0.0.0.0" || ip.startsWith("0.0.0.0/"))) return ERRORS.invalidParameter(`whitelist[${n}].ip_list`);
      }
      return {
        effect: { enable_whitelist: b.enable_whitelist, whitelist: b.whitelist.map((g) => ({ group_name: g.group_name, ip_list: [...g.ip_list] })) },
        params: json(body),
      };
    },
  },

  UpdateInstanceConfig: {
    scope: "instance",
    start(inst, { body }) {
      const i = inst!;
      const list = (body.redis_config ?? []) as Array<{ param_id: string; param_name: string; param_value: string }>;
      if (list.length === 0) return ERRORS.invalidParameter("redis_config");
      for (const [n, item] of list.entries()) {
        const p = i.redis_config.find((x) => x.param_name === item.param_name);
        if (!p) return ERRORS.invalidParameter(`redis_config[${n}].param_name`);
        if (p.param_id !== item.param_id) return ERRORS.invalidParameter(`redis_config[${n}].param_id`);
        if (badValue(p, item.param_value)) return ERRORS.invalidParameter(`redis_config[${n}].param_value`);
      }
      const changes = new Map(list.map((x) => [x.param_name, x.param_value]));
      return {
        effect: (live) => {
          live.redis_config = live.redis_config.map((p) => (changes.has(p.param_name) ? { ...p, param_value: changes.get(p.param_name)! } : p));
        },
        params: json(body),
        details: { updated_config_length: list.length },
      };
    },
  },

  UpdateAclAccount: {
    scope: "instance",
    start(inst, { values, body }) {
      const i = inst!;
      const account = i.acl_accounts.find((a) => a.account_id === values.account_id);
      if (!account) return ERRORS.notFoundOnInstance(`ACL account ${values.account_id} of instance ${i.instance_id}`);
      const role = body.account_role as "read" | "write" | undefined;
      if (role === undefined) return ERRORS.invalidParameter("account_role");
      const accountId = account.account_id;
      return {
        effect: (live) => {
          live.acl_accounts = live.acl_accounts.map((a) => (a.account_id === accountId ? { ...a, account_role: role } : a));
        },
        params: json(body),
        details: { account_name: account.account_name },
        answer: { instance_id: i.instance_id },
      };
    },
  },

  DeleteIpFromDomainName: {
    scope: "instance",
    start(inst, { values }) {
      const i = inst!;
      if (i.groups.length === 0) return ERRORS.operationNotSupported("Removing a replica's IP from the domain name", i.cache_mode);
      const found = findReplica(i, values);
      if ("code" in found) return found;
      if (found.node.role === "master") return ERRORS.masterIpNotRemovable(found.node.node_id);
      if (found.node.ip_removed) return ERRORS.ipAlreadyRemoved(found.node.node_id);
      const { group_id, node_id } = values;
      return {
        effect: (live) => {
          const g = live.groups.find((x) => x.group_id === group_id);
          if (!g) return;
          g.replicas = g.replicas.map((r) => (r.node_id === node_id ? { ...r, ip_removed: true } : r));
        },
        params: json({ group_id, node_id }),
        details: { replica_ip: found.node.ip, group_name: found.group.group_name, node_name: nodeName(found.group, found.index) },
      };
    },
  },

  StartInstanceResizeCheckJob: {
    scope: "instance",
    start(_inst, { body }) {
      const b = body as { new_capacity?: number; spec_code?: string };
      if (b.new_capacity === undefined && b.spec_code === undefined) return ERRORS.invalidParameter("new_capacity");
      // A check changes nothing; its job succeeds unless a `failJob` fault says why a resize would fail.
      return { params: json(body), ...(b.new_capacity !== undefined ? { details: { new_capacity: String(b.new_capacity) } } : {}) };
    },
  },

  ExportInstancesTask: {
    scope: "tenant",
    start(_inst, { body }) {
      return { params: json(body) };
    },
  },
};

/** The emulator entry of a table operation. */
export function emulatedOperation(op: OperationDef): EmulatedOperation {
  const e = (EMULATED_OPERATIONS as Record<string, EmulatedOperation>)[op.name];
  if (!e) throw new Error(`The emulator has no entry for ${op.name} (provider/emulator/operations.ts).`);
  return e;
}

/** The job type ShowJobInfo reports for an operation: the table's `jobType`, else its task name. */
export function jobTypeOf(op: OperationDef): string {
  return op.jobType ?? op.task.name;
}

// ---- reading a start call's body -------------------------------------------------------------------

/**
 * The field a problem with a body that is not a JSON object names: the model's first required field,
 * else its first field (`transparent_client_ip_enable`, `enabled`, `region`, ...); `body` for an
 * operation that takes none.
 */
export function rootField(op: OperationDef): string {
  const shape = (op.body as { shape?: Record<string, z.ZodType> } | undefined)?.shape;
  if (!shape) return "body";
  const keys = Object.keys(shape);
  return keys.find((k) => !shape[k]!.safeParse(undefined).success) ?? keys[0] ?? "body";
}

/** The field one of `checkBody`'s problems names, without the `body.` prefix (an unknown key by its name). */
function problemField(op: OperationDef, p: FieldProblem): string {
  const path = p.field === "body" ? "" : p.field.replace(/^body\.?/, "");
  const unknown = /unknown fields? "([^"]+)"/.exec(p.reason)?.[1];
  if (unknown !== undefined) return path ? `${path}.${unknown}` : unknown;
  return path || rootField(op);
}

/**
 * Parses and checks a start call's body with the table's `checkBody`. A problem is answered as 400
 * `DCS.4063` "Invalid {field} parameter in the request." naming the field.
 */
export function readOperationBody(op: OperationDef, text: string): { ok: true; body: Record<string, unknown> } | { ok: false; field: string } {
  let parsed: unknown;
  if (text.trim() !== "") {
    try {
      parsed = JSON.parse(text);
    } catch {
      return { ok: false, field: rootField(op) };
    }
  }
  const problems = checkBody(op, parsed);
  if (problems.length > 0) return { ok: false, field: problemField(op, problems[0]!) };
  return { ok: true, body: parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {} };
}

/** Every table operation has an entry here (also enforced by the type of {@link EMULATED_OPERATIONS}). */
export function missingEmulatedOperations(): string[] {
  return OPERATIONS.filter((o) => !(o.name in EMULATED_OPERATIONS)).map((o) => o.name);
}
