/**
 * `InstanceParameters` (UpdateInstanceConfig): Redis parameters by name, declaratively; the value is
 * ListConfigurations' for the names given (other parameters are left alone). The call needs each
 * parameter's `param_id`, which is read from ListConfigurations right before it is sent. Terraform's
 * `huaweicloud_dcs_instance` `parameters`.
 */
import { ConfigError } from "../../errors";
import { operation } from "../../operations";
import { stateProvider } from "../kinds";
import { LOCATION_SPEC, runCheck, validators, type CheckResult } from "../logic";
import type { StateInputs, StateSpec } from "../state";

/**
 * The Redis parameters DCS lets users change (Huawei Cloud DCS docs, "Modifying Configuration
 * Parameters", Redis 4.0-7.0 instances). A name outside this list is refused in `check` with close
 * matches; for a parameter this list lacks, use `DcsOperation` with the `async-configs` path.
 */
export const KNOWN_REDIS_PARAMETERS: readonly string[] = [
  "timeout", "maxmemory-policy", "hash-max-ziplist-entries", "hash-max-ziplist-value", "set-max-intset-entries",
  "zset-max-ziplist-entries", "zset-max-ziplist-value", "latency-monitor-threshold", "reserved-memory-percent",
  "notify-keyspace-events", "slowlog-log-slower-than", "slowlog-max-len", "lua-time-limit", "repl-backlog-size",
  "repl-backlog-ttl", "repl-timeout", "appendfsync", "appendonly", "active-expire-num", "maxclients",
  "client-output-buffer-limit-slave-soft-seconds", "client-output-buffer-slave-soft-limit",
  "client-output-buffer-slave-hard-limit", "proto-max-bulk-len", "master-read-only", "list-max-ziplist-size",
  "list-compress-depth", "stream-node-max-bytes", "stream-node-max-entries", "hash-max-listpack-entries",
  "hash-max-listpack-value", "zset-max-listpack-entries", "zset-max-listpack-value", "cluster-sentinel-enable",
  "dispatch-pubsub-to-all-shards", "readonlylua", "active-defrag-cycle-min", "active-defrag-cycle-max", "activedefrag",
];

/** Inputs of `InstanceParameters`. */
export interface ParametersInputs extends StateInputs {
  /** Parameter name -> value (numbers are sent as their decimal text). */
  parameters: Record<string, string>;
}

type Params = Record<string, string>;

const op = operation("UpdateInstanceConfig");

/** The parameters' values as text (the API sends and takes strings). */
function asText(p: Record<string, unknown>): Params {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, String(v)]));
}

export const parametersSpec: StateSpec<ParametersInputs, Params> = {
  type: "InstanceParameters",
  taskName: op.task.name,
  what: (wanted) => `Setting Redis parameters ${Object.keys(wanted).join(", ")}`,
  read: async (api, i, deadline) => {
    const live = await api.listConfigurations(i.instanceId, { deadline });
    const wantedNames = Object.keys(i.parameters);
    return Object.fromEntries(live.filter((p) => wantedNames.includes(p.name)).map((p) => [p.name, p.value]));
  },
  matches: (live, wanted) => Object.entries(asText(wanted)).every(([k, v]) => live[k] === v),
  start: async (api, i, wanted, o) => {
    const live = await api.listConfigurations(i.instanceId, o);
    const byName = new Map(live.map((p) => [p.name, p]));
    const missing = Object.keys(wanted).filter((n) => !byName.has(n));
    if (missing.length) {
      throw new ConfigError(`InstanceParameters ${i.instanceId}: the instance does not list parameter${missing.length > 1 ? "s" : ""} ${missing.map((m) => JSON.stringify(m)).join(", ")} (ListConfigurations). Nothing was started.`);
    }
    const redis_config = Object.entries(asText(wanted)).map(([name, value]) => ({ param_id: byName.get(name)!.id, param_name: name, param_value: value }));
    return api.startOperation(op, { instance_id: i.instanceId }, { redis_config }, o);
  },
  show: (v) => Object.entries(v).map(([k, x]) => `${k}=${x}`).join(", ") || "no parameters",
};

function closest(name: string): string[] {
  const d = (a: string, b: string) => {
    const m = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)] as number[]);
    for (let j = 1; j <= b.length; j++) m[0]![j] = j;
    for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) m[i]![j] = Math.min(m[i - 1]![j]! + 1, m[i]![j - 1]! + 1, m[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    return m[a.length]![b.length]!;
  };
  return KNOWN_REDIS_PARAMETERS.map((k) => [k, d(name, k)] as const).filter(([, x]) => x <= 3).sort((a, b) => a[1] - b[1]).slice(0, 2).map(([k]) => k);
}

export function checkParameters(news: Record<string, unknown>): CheckResult<ParametersInputs> {
  return runCheck<ParametersInputs>(
    news,
    {
      instanceId: { required: true, validate: validators.instanceId },
      parameters: {
        required: true,
        validate: (v) => {
          if (!v || typeof v !== "object" || Array.isArray(v)) throw new TypeError('parameters must be an object of name -> value, e.g. { timeout: "100" }.');
          const entries = Object.entries(v as Record<string, unknown>);
          if (entries.length === 0) throw new TypeError("parameters must name at least one parameter.");
          for (const [name, value] of entries) {
            if (!KNOWN_REDIS_PARAMETERS.includes(name)) {
              const near = closest(name);
              throw new TypeError(`unknown Redis parameter ${JSON.stringify(name)}${near.length ? `; did you mean ${near.map((n) => JSON.stringify(n)).join(" or ")}?` : ""} (for one this package does not list, use DcsOperation with the async-configs path).`);
            }
            if (typeof value !== "string" && typeof value !== "number") throw new TypeError(`parameters.${name} must be a string or a number; got a ${typeof value}.`);
          }
        },
      },
      waitTimeout: { required: false, validate: validators.duration("waitTimeout") },
      ...LOCATION_SPEC,
    },
    "InstanceParameters",
  );
}

/** The `InstanceParameters` provider implementation. */
export const instanceParameters = stateProvider<ParametersInputs, Params>({
  spec: parametersSpec,
  check: checkParameters,
  wanted: (i) => asText(i.parameters),
  valueKeys: ["parameters"],
  withValue: (i, v) => ({ ...i, parameters: { ...asText(i.parameters), ...v } }),
});

