/**
 * Seeded instances: the default set (fixed IDs the demo, docs and tests name) and loading a seed
 * from a YAML or JSON file. Field names follow ShowInstance (snake_case); see `docs/emulator.md`.
 */
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
} as const;

/** The default seed. */
export const DEFAULT_INSTANCES: readonly SeedInstance[] = Object.freeze([
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
].map((i) => Object.freeze(i)));

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
    support_transparent_client_ip: s.support_transparent_client_ip ?? (s.cache_mode !== "single"),
    ...(ha ? { master_node: s.master_node ?? `${short}-node-1`, standby_node: s.standby_node ?? `${short}-node-2` } : {}),
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
