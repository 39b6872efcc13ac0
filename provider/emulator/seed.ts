/**
 * Seeded instances: the default set (fixed IDs the demo, docs and tests name) and loading a seed
 * from a YAML or JSON file. Field names follow ShowInstance (snake_case); see `docs/emulator.md`.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

/** The cache modes ShowInstance reports (opentelekomcloud-docs `querying_a_dcs_instance.rst`). */
export type CacheMode = "single" | "ha" | "cluster" | "proxy" | "ha_rw_split" | (string & {});

/** One instance as seeded. Only `instance_id` and `cache_mode` are required in a seed file. */
export interface SeedInstance {
  instance_id: string;
  name: string;
  cache_mode: CacheMode;
  engine: string;
  engine_version: string;
  /** Instance status; operations need `RUNNING` (else `DCS.4049`). */
  status: string;
  transparent_client_ip_enable: boolean;
  /** ShowInstance `features.support_transparent_client_ip`: whether pass-through can be changed. */
  support_transparent_client_ip: boolean;
  /** Master/standby only: node names. The master flips on every successful swap. */
  master_node?: string;
  standby_node?: string;
  /** ShowInstance `features.support_ssl`: whether UpdateSslSwitch is accepted (default: all but `proxy`). */
  support_ssl: boolean;
  /** ShowInstance `enable_ssl` (UpdateSslSwitch). */
  enable_ssl: boolean;
  /** ShowInstance `enable_publicip`, `publicip_id`, `publicip_address` (UpdatePublicIp / DeletePublicIp). */
  enable_publicip: boolean;
  publicip_id: string | null;
  publicip_address: string | null;
  /** ShowIpWhitelist `enable_whitelist` and `whitelist` (UpdateIpWhitelistAsync). */
  enable_whitelist: boolean;
  whitelist: SeedWhitelistGroup[];
  /** ListConfigurations `redis_config` (UpdateInstanceConfig). */
  redis_config: SeedRedisParam[];
  /** ListAclAccounts `accounts` (UpdateAclAccount). */
  acl_accounts: SeedAclAccount[];
  /** Cluster only: the shards and their replicas (ListGroupReplicationInfo, ShowNodesInformation); `[]` otherwise. */
  groups: SeedGroup[];
}

/** One IP whitelist group (vendor SDK `Whitelist`). */
export interface SeedWhitelistGroup {
  group_name: string;
  ip_list: string[];
}

/** One Redis parameter (vendor SDK `QueryRedisConfig`). */
export interface SeedRedisParam {
  param_id: string;
  param_name: string;
  param_value: string;
  default_value: string;
  /** How UpdateInstanceConfig checks a new value: `Integer` (`value_range` "min-max"), `Enum` (comma-separated), `String` (any). */
  value_type: "Integer" | "Enum" | "String";
  value_range: string;
  description: string;
}

/** One ACL account (vendor SDK `AclAccountResp`; `account_type` and `account_role` are the SDK's enum values). */
export interface SeedAclAccount {
  account_id: string;
  account_name: string;
  account_type: "normal" | "default";
  account_role: "read" | "write";
  description: string;
}

/** One replica of a cluster shard (vendor SDK `InstanceReplicationListInfo` / `NodesInfoResp`). */
export interface SeedReplica {
  /** The node ID (a UUID): the `{node_id}` of ExecuteClusterSwitchover and DeleteIpFromDomainName. */
  node_id: string;
  /** The replica ID (a UUID, a different value). */
  replication_id: string;
  /** `master` or `slave` (the SDK's `replication_role` values); ExecuteClusterSwitchover flips them. */
  role: "master" | "slave";
  ip: string;
  az_code: string;
  /** DeleteIpFromDomainName has removed the IP from the domain name (ShowNodesInformation `is_remove_ip`). */
  ip_removed: boolean;
  /** The monitoring object ID (the `dcs_cluster_redis_node` dimension): neither the node nor the replica ID. */
  monitor_id: string;
}

/** One shard of a cluster instance (vendor SDK `InstanceGroupListInfo`). */
export interface SeedGroup {
  /** The shard ID (a UUID): the `{group_id}` of the cluster operations. */
  group_id: string;
  group_name: string;
  replicas: SeedReplica[];
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const SeedInstanceSchema = z.object({
  instance_id: z.string().regex(UUID_RE, "must be a lower-case UUID"),
  name: z.string().min(1).optional(),
  cache_mode: z.string().min(1),
  engine: z.string().min(1).optional(),
  engine_version: z.string().min(1).optional(),
  status: z.string().min(1).optional(),
  transparent_client_ip_enable: z.boolean().optional(),
  support_transparent_client_ip: z.boolean().optional(),
  master_node: z.string().min(1).optional(),
  standby_node: z.string().min(1).optional(),
  support_ssl: z.boolean().optional(),
  enable_ssl: z.boolean().optional(),
  enable_publicip: z.boolean().optional(),
  publicip_id: z.string().min(1).nullable().optional(),
  publicip_address: z.string().min(1).nullable().optional(),
  enable_whitelist: z.boolean().optional(),
  whitelist: z.array(z.object({ group_name: z.string().min(1), ip_list: z.array(z.string().min(1)) })).max(4).optional(),
});

/** A seed file: `{ instances: [...] }` or a bare list. */
const SeedFileSchema = z.union([z.object({ instances: z.array(SeedInstanceSchema).min(1) }), z.array(SeedInstanceSchema).min(1)]);

/** Partial seed, as code or a file gives it. */
export type SeedInstanceInput = z.input<typeof SeedInstanceSchema>;

/** The fixed IDs of the default instances. */
export const EMULATOR_INSTANCE_IDS = {
  /** Master/standby, Redis 5.0, pass-through off: supports swap and pass-through. */
  ha: "8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e01",
  /** Single node: swap answers `DCS.4855`, pass-through `DCS.4838`. */
  single: "8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e02",
  /** Proxy cluster, pass-through off: pass-through yes, swap `DCS.4855`. */
  proxy: "8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e03",
  /** A second master/standby, pass-through already on (for fleet demos and "already on" cases). */
  ha2: "8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e04",
  /**
   * Redis Cluster, 3 shards of one master + one replica each (IDs in {@link EMULATOR_CLUSTER}):
   * ExecuteClusterSwitchover and DeleteIpFromDomainName. (`…5e05` is the frozen instance of
   * `examples/emulator-seed.yaml`, so the cluster is `…5e06`.)
   */
  cluster: "8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e06",
} as const;

/**
 * The seeded cluster's shards and nodes: `groups[g].id`, and per shard the `master` and `replica`
 * node IDs as seeded (a switchover exchanges the roles, not the IDs).
 */
export const EMULATOR_CLUSTER = Object.freeze({
  instanceId: EMULATOR_INSTANCE_IDS.cluster,
  groups: Object.freeze(
    [0, 1, 2].map((g) =>
      Object.freeze({
        id: `3c0a1e5d-7f2b-4c61-9a80-5e060000000${g}`,
        name: `group-${g}`,
        master: `7d4b9f20-1c3e-4a58-b6e1-5e06000000${g}1`,
        replica: `7d4b9f20-1c3e-4a58-b6e1-5e06000000${g}2`,
      }),
    ),
  ),
});

/** The ACL accounts every instance is seeded with: `default` (the instance's default account) and `app`. */
export function emulatorAccountIds(instanceId: string): { default: string; app: string } {
  const rest = instanceId.slice(9);
  return { default: `acc0def0-${rest}`, app: `acc0a990-${rest}` };
}

/** The Redis parameters every instance is seeded with (ListConfigurations; ids as the vendor's examples use them). */
export const DEFAULT_REDIS_CONFIG: readonly SeedRedisParam[] = Object.freeze([
  { param_id: "1", param_name: "timeout", param_value: "0", default_value: "0", value_type: "Integer", value_range: "0-7200", description: "Close the connection after a client is idle for N seconds (0 to disable)." },
  {
    param_id: "2",
    param_name: "maxmemory-policy",
    param_value: "volatile-lru",
    default_value: "volatile-lru",
    value_type: "Enum",
    value_range: "volatile-lru,allkeys-lru,volatile-random,allkeys-random,volatile-ttl,noeviction,volatile-lfu,allkeys-lfu",
    description: "How Redis selects what to remove when maxmemory is reached.",
  },
  { param_id: "3", param_name: "hash-max-ziplist-entries", param_value: "512", default_value: "512", value_type: "Integer", value_range: "1-10000", description: "Hashes with at most this many entries use the compact encoding." },
  { param_id: "4", param_name: "hash-max-ziplist-value", param_value: "64", default_value: "64", value_type: "Integer", value_range: "1-10000", description: "Hashes whose values are at most this long use the compact encoding." },
  { param_id: "5", param_name: "set-max-intset-entries", param_value: "512", default_value: "512", value_type: "Integer", value_range: "1-10000", description: "Sets of integers with at most this many members use the compact encoding." },
  { param_id: "10", param_name: "notify-keyspace-events", param_value: "Ex", default_value: "Ex", value_type: "String", value_range: "", description: "Which keyspace events are published." },
].map((p) => Object.freeze(p)) as SeedRedisParam[]);

/** The IP whitelist every instance is seeded with (on, one group). */
export const DEFAULT_WHITELIST: readonly SeedWhitelistGroup[] = Object.freeze([Object.freeze({ group_name: "default", ip_list: ["192.168.0.0/16"] })]);

function defaultAccounts(instanceId: string): SeedAclAccount[] {
  const ids = emulatorAccountIds(instanceId);
  return [
    { account_id: ids.default, account_name: "default", account_type: "default", account_role: "write", description: "The instance's default account." },
    { account_id: ids.app, account_name: "app", account_type: "normal", account_role: "write", description: "Application account." },
  ];
}

/** A UUID-shaped ID derived from `seed` (stable across runs). */
function derivedUuid(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${"89ab"[parseInt(h[16]!, 16) % 4]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The shards of a cluster instance: 3 of one master + one replica each. The default cluster's IDs are
 * {@link EMULATOR_CLUSTER}'s; a cluster from a seed file gets IDs derived from its instance ID.
 */
export function clusterGroups(instanceId: string): SeedGroup[] {
  const fixed = instanceId === EMULATOR_CLUSTER.instanceId;
  return [0, 1, 2].map((g) => {
    const known = fixed ? EMULATOR_CLUSTER.groups[g]! : undefined;
    const node = (r: 1 | 2): SeedReplica => ({
      node_id: known ? (r === 1 ? known.master : known.replica) : derivedUuid(`${instanceId}/node/${g}/${r}`),
      replication_id: known ? `9e5c0b31-2d4f-4b69-a7f2-5e06000000${g}${r}` : derivedUuid(`${instanceId}/replication/${g}/${r}`),
      role: r === 1 ? "master" : "slave",
      ip: `192.168.0.${(g + 1) * 10 + r}`,
      az_code: r === 1 ? "ap-southeast-1a" : "ap-southeast-1b",
      ip_removed: false,
      monitor_id: createHash("sha256").update(`${instanceId}/monitor/${g}/${r}`).digest("hex").slice(0, 32),
    });
    return { group_id: known ? known.id : derivedUuid(`${instanceId}/group/${g}`), group_name: `group-${g}`, replicas: [node(1), node(2)] };
  });
}

/** The default seed. */
export const DEFAULT_INSTANCES: readonly SeedInstance[] = Object.freeze(
  [
    {
      instance_id: EMULATOR_INSTANCE_IDS.ha,
      name: "emu-redis-ha",
      cache_mode: "ha",
      engine: "Redis",
      engine_version: "5.0",
      status: "RUNNING",
      transparent_client_ip_enable: false,
      support_transparent_client_ip: true,
      master_node: "emu-redis-ha-node-1",
      standby_node: "emu-redis-ha-node-2",
    },
    {
      instance_id: EMULATOR_INSTANCE_IDS.single,
      name: "emu-redis-single",
      cache_mode: "single",
      engine: "Redis",
      engine_version: "5.0",
      status: "RUNNING",
      transparent_client_ip_enable: false,
      support_transparent_client_ip: false,
    },
    {
      instance_id: EMULATOR_INSTANCE_IDS.proxy,
      name: "emu-redis-proxy",
      cache_mode: "proxy",
      engine: "Redis",
      engine_version: "5.0",
      status: "RUNNING",
      transparent_client_ip_enable: false,
      support_transparent_client_ip: true,
    },
    {
      instance_id: EMULATOR_INSTANCE_IDS.ha2,
      name: "emu-redis-ha-2",
      cache_mode: "ha",
      engine: "Redis",
      engine_version: "6.0",
      status: "RUNNING",
      transparent_client_ip_enable: true,
      support_transparent_client_ip: true,
      master_node: "emu-redis-ha-2-node-1",
      standby_node: "emu-redis-ha-2-node-2",
    },
    {
      instance_id: EMULATOR_INSTANCE_IDS.cluster,
      name: "emu-redis-cluster",
      cache_mode: "cluster",
      engine: "Redis",
      engine_version: "6.0",
      status: "RUNNING",
    },
  ].map((i) => Object.freeze(normalizeSeedInstance(i, i.name))),
);

/** Fills the defaults of a partial seed entry and validates it. */
export function normalizeSeedInstance(input: SeedInstanceInput, where = "instance"): SeedInstance {
  const parsed = SeedInstanceSchema.safeParse(input);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join(".") || "(entry)"}: ${i.message}`).join("; ");
    throw new Error(`Invalid emulator seed ${where}: ${why}`);
  }
  const s = parsed.data;
  const ha = s.cache_mode === "ha";
  const short = s.instance_id.slice(0, 8);
  return {
    instance_id: s.instance_id,
    name: s.name ?? `emu-${s.cache_mode}-${short}`,
    cache_mode: s.cache_mode,
    engine: s.engine ?? "Redis",
    engine_version: s.engine_version ?? "5.0",
    status: s.status ?? "RUNNING",
    transparent_client_ip_enable: s.transparent_client_ip_enable ?? false,
    // Redis Cluster clients connect to the shards directly: nothing to pass the client IP through.
    support_transparent_client_ip: s.support_transparent_client_ip ?? (s.cache_mode !== "single" && s.cache_mode !== "cluster"),
    ...(ha ? { master_node: s.master_node ?? `${short}-node-1`, standby_node: s.standby_node ?? `${short}-node-2` } : {}),
    support_ssl: s.support_ssl ?? s.cache_mode !== "proxy",
    enable_ssl: s.enable_ssl ?? false,
    enable_publicip: s.enable_publicip ?? false,
    publicip_id: s.publicip_id ?? null,
    publicip_address: s.publicip_address ?? null,
    enable_whitelist: s.enable_whitelist ?? true,
    whitelist: (s.whitelist ?? DEFAULT_WHITELIST).map((g) => ({ group_name: g.group_name, ip_list: [...g.ip_list] })),
    redis_config: DEFAULT_REDIS_CONFIG.map((p) => ({ ...p })),
    acl_accounts: defaultAccounts(s.instance_id),
    groups: s.cache_mode === "cluster" ? clusterGroups(s.instance_id) : [],
  };
}

/** Validates a list of seed entries: well-formed and no duplicate IDs. */
export function normalizeSeed(inputs: readonly SeedInstanceInput[]): SeedInstance[] {
  const out = inputs.map((i, n) => normalizeSeedInstance(i, `instances[${n}]`));
  const seen = new Set<string>();
  for (const i of out) {
    if (seen.has(i.instance_id)) throw new Error(`Invalid emulator seed: instance ${i.instance_id} appears twice.`);
    seen.add(i.instance_id);
  }
  return out;
}

/** Parses seed text (YAML or JSON: YAML is a superset). */
export function parseSeedText(text: string, source = "seed"): SeedInstance[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new Error(`Cannot parse the emulator seed ${source}: ${(e as Error).message}`);
  }
  const parsed = SeedFileSchema.safeParse(doc);
  if (!parsed.success) {
    // Re-run per entry for a precise message when the shape is right but an entry is not.
    const list = Array.isArray(doc) ? doc : (doc as { instances?: unknown })?.instances;
    if (Array.isArray(list) && list.length > 0) return normalizeSeed(list as SeedInstanceInput[]);
    throw new Error(`The emulator seed ${source} must be a list of instances or { instances: [...] } with at least one entry.`);
  }
  return normalizeSeed(Array.isArray(parsed.data) ? parsed.data : parsed.data.instances);
}

/** Reads and parses a seed file. */
export function loadSeedFile(path: string): SeedInstance[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`Cannot read the emulator seed file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseSeedText(text, path);
}
