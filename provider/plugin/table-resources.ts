/**
 * The plugin's descriptors of the operation table's resources, derived from the table
 * (`provider/operations/table.ts`): the name is `OPERATIONS[].resource`, and kind, task names, vendor
 * `job_type`, summary, request line, what it waits for, Terraform counterpart and notes are the table's;
 * `DcsOperation`'s `body` doc lists the table's request bodies, rendered from their zod schemas with
 * `z.toJSONSchema`. What the table does not know is the short list below: each resource's own inputs
 * (docs as in `provider/resources/operation-classes.ts`), extra outputs, one example and the import ID.
 * The inputs every action or state takes (`triggers`, `waitTimeout`, adoption, location) and the job
 * outputs are added by kind. A test checks every runtime resource has a descriptor and that its inputs
 * are exactly what the runtime's `check` accepts. Pure data.
 */
import { z } from "zod";
import { OPERATIONS } from "../operations/table";
import type { OperationDef } from "../operations/types";
import { renderExample, type ExampleSpec } from "./examples";
import {
  ACTION_IMPORT,
  actionInputs,
  adopted,
  changed,
  jobOutputs,
  location,
  record,
  steps,
  waitTimeout,
  type Example,
  type ImportDescriptor,
  type PropertyDescriptor,
  type ResourceDescriptor,
} from "./properties";

/** What the table does not say about one of its resources. */
interface TableResourceSpec {
  name: string;
  /** Only for a resource no table entry is for (`DcsOperation`). */
  kind?: "action" | "state";
  /** Overrides the summary derived from the table (`DcsOperation`, a resource with two operations). */
  summary?: string;
  /** Markdown lines added to the description. */
  about?: readonly string[];
  /** Its own inputs, in the order of its `check` (the kind's common ones are added). */
  inputs: PropertyDescriptor[];
  /** Its own outputs (the job's and the record are added). */
  outputs?: PropertyDescriptor[];
  /** One example, rendered as YAML and Python; or the examples written out. */
  example: ExampleSpec | Example[];
  /** Replaces the derived "delete: ..." line. */
  onDelete?: string;
  import: ImportDescriptor;
}

const HA = "8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e01";
const CLUSTER = "8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e06";
const GROUP = "3c0a1e5d-7f2b-4c61-9a80-5e0600000000";
const REPLICA = "7d4b9f20-1c3e-4a58-b6e1-5e0600000002";
const JOB = "ff8080818822bbf70188235afc24141a";

const replaces = " Changing it replaces the resource.";

function stateInstance(what = "The instance."): PropertyDescriptor {
  return { name: "instanceId", type: { kind: "string" }, description: what + replaces, required: true, replaces: true };
}

function replicaInputs(node: string): PropertyDescriptor[] {
  return [
    { name: "instanceId", type: { kind: "string" }, description: "The cluster instance." + replaces, required: true, replaces: true },
    { name: "groupId", type: { kind: "string" }, description: "The shard's `group_id` (ListGroupReplicationInfo; `dcs-jobs groups <instance-id>`), a UUID." + replaces, required: true, replaces: true },
    { name: "nodeId", type: { kind: "string" }, description: `The replica's \`node_id\`, a UUID: ${node}.${replaces}`, required: true, replaces: true },
  ];
}

const REPLICA_IMPORT: ImportDescriptor = {
  parts: [{ name: "instanceId" }, { name: "groupId" }, { name: "nodeId" }, ACTION_IMPORT[1]!],
  example: `${CLUSTER}:${GROUP}:${REPLICA}:${JOB}`,
};

/** A JSON schema (as `z.toJSONSchema` writes it) as a short type: `{ enabled: boolean, elb_id?: string }`. */
export function jsonSchemaType(s: Record<string, unknown>): string {
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (s.type === "array") {
    const items = jsonSchemaType((s.items ?? {}) as Record<string, unknown>);
    return /[\s|]/.test(items) && !items.startsWith("{") ? `(${items})[]` : `${items}[]`;
  }
  if (s.type === "object") {
    const props = (s.properties ?? {}) as Record<string, Record<string, unknown>>;
    const req = new Set((s.required ?? []) as string[]);
    return `{ ${Object.entries(props).map(([k, v]) => `${k}${req.has(k) ? "" : "?"}: ${jsonSchemaType(v)}`).join(", ")} }`;
  }
  return typeof s.type === "string" ? s.type : "any";
}

/** The request bodies the table knows, for `DcsOperation`'s `body` doc. */
function tableBodies(): string {
  return OPERATIONS.flatMap((o: OperationDef) => (o.body ? [`\`${o.method} ${o.path}\` (${o.name}): \`${jsonSchemaType(z.toJSONSchema(o.body) as Record<string, unknown>)}\``] : [])).join("; ");
}

const SPECS: TableResourceSpec[] = [
  {
    name: "MasterStandbySwap",
    summary: "A master/standby switchover of a DCS instance (`PUT .../async-swap`), once per `triggers` value, waited on until its job ends.",
    onDelete: "- delete: removes it from the stack only; a switchover cannot be undone (to swap again, change `triggers`).",
    inputs: [{ name: "instanceId", type: { kind: "string" }, description: "The master/standby (`ha`) instance to switch over." + replaces, required: true, replaces: true }],
    outputs: [
      { name: "masterNode", type: { kind: "string" }, description: "The master node after the switchover, where the API reports one." },
      { name: "instanceStatus", type: { kind: "string" }, description: "The instance's status read after the job succeeded." },
    ],
    example: [
      {
        title: "A switchover in a maintenance window",
        yaml: [
          "resources:",
          "  swap:",
          "    type: dcsjobs:MasterStandbySwap",
          "    properties:",
          `      instanceId: ${HA}`,
          '      triggers: ["2026-11 maintenance"]',
          "      waitTimeout: 20m",
          "outputs:",
          "  swapJob: ${swap.jobId}",
        ].join("\n"),
        python: [
          "import pulumi",
          "import pulumi_dcsjobs as dcsjobs",
          "",
          'swap = dcsjobs.MasterStandbySwap("swap",',
          `    instance_id="${HA}",`,
          '    triggers=["2026-11 maintenance"],',
          '    wait_timeout="20m")',
          'pulumi.export("swapJob", swap.job_id)',
        ].join("\n"),
      },
    ],
    import: { parts: ACTION_IMPORT, example: `${HA}:${JOB}` },
  },
  {
    name: "ClientIpPassThrough",
    summary: "Client IP pass-through (`transparent_client_ip_enable`) of a DCS instance, declaratively: a job starts only when the live value differs; refresh shows drift.",
    onDelete: "- delete: leaves the instance as it is, unless `restoreOnDelete` (then sets back the value found before create).",
    inputs: [
      stateInstance(),
      { name: "enabled", type: { kind: "boolean" }, description: "Whether client IP pass-through should be on.", required: true },
      { name: "restoreOnDelete", type: { kind: "boolean" }, description: "On delete, set the value back to what it was before create (`initialEnabled`). Default false: leave it." },
    ],
    outputs: [{ name: "initialEnabled", type: { kind: "boolean" }, description: "The value found before create (or at import): what `restoreOnDelete` restores.", required: true }, steps],
    example: [
      {
        title: "Pass-through on, after a switchover",
        yaml: ["resources:", "  clientIp:", "    type: dcsjobs:ClientIpPassThrough", "    properties:", `      instanceId: ${HA}`, "      enabled: true", "    options:", '      dependsOn: ["${swap}"]'].join("\n"),
        python: ['client_ip = dcsjobs.ClientIpPassThrough("clientIp",', `    instance_id="${HA}",`, "    enabled=True,", "    opts=pulumi.ResourceOptions(depends_on=[swap]))"].join("\n"),
      },
    ],
    import: { parts: [{ name: "instanceId" }], example: HA, probe: [{ enabled: false }, { enabled: true }] },
  },
  {
    name: "DcsOperation",
    kind: "action",
    summary: "Any DCS call that answers with a job ID, started once per `triggers` value and waited on until its job ends, so a stack never waits for this package to learn a new operation.",
    about: [
      "A method and path of the operation table get that operation's body check, task name and codes; any other DCS v2 path is sent as given (`jobType` names its task for adoption).",
      "Also for the calls Terraform's DCS resources wait on: `PUT /v2/{project_id}/instances/{instance_id}/bandwidths` (body `{ group_bandwidths: [{ group_id, target_bandwidth }] }`) and `PUT /v2/{project_id}/instances/{instance_id}/nodes/status` (body `{ node_ids?, action: \"start\" | \"stop\" }`).",
    ],
    inputs: [
      { name: "method", type: { kind: "string" }, description: "`PUT`, `POST` or `DELETE`." + replaces, required: true, replaces: true },
      {
        name: "path",
        type: { kind: "string" },
        description: "A DCS v2 path with the `{project_id}` placeholder, e.g. `/v2/{project_id}/instances/8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e01/bandwidths`. A path of the operation table gets that operation's body check and task name." + replaces,
        required: true,
        replaces: true,
      },
      { name: "body", type: { kind: "any" }, description: `The request body (JSON).${replaces} For a path of the operation table it must match the SDK's request model (field names exact), checked before any call: ${tableBodies()}.`, replaces: true },
      { name: "jobType", type: { kind: "string" }, description: "The operation's task name in the task lists, for adoption after an interrupted run (table paths know theirs)." },
    ],
    example: {
      title: "A shard bandwidth change, once",
      name: "bandwidth",
      inputs: { method: "PUT", path: `/v2/{project_id}/instances/${CLUSTER}/bandwidths`, body: { group_bandwidths: [{ group_id: GROUP, target_bandwidth: 256 }] }, triggers: ["2026-12 traffic peak"] },
    },
    import: { parts: [{ name: "method" }, { name: "path" }, { name: "jobId" }, { name: "body", optional: true, json: true }], example: `POST:/v2/{project_id}/instances/${HA}/resize/check-job:${JOB}:{"new_capacity":4}` },
  },
  {
    name: "ClusterReplicaSwitchover",
    inputs: replicaInputs("the replica that becomes master"),
    example: { title: "Promote a shard's replica", name: "shard0", inputs: { instanceId: CLUSTER, groupId: GROUP, nodeId: REPLICA, triggers: ["2026-12 drill"] } },
    import: REPLICA_IMPORT,
  },
  {
    name: "ReplicaIpRemoval",
    inputs: replicaInputs("the replica whose IP leaves the domain name"),
    example: { title: "Drain a replica from the domain name", name: "drain", inputs: { instanceId: CLUSTER, groupId: GROUP, nodeId: REPLICA, triggers: ["2026-12"] } },
    import: REPLICA_IMPORT,
  },
  {
    name: "InstanceSsl",
    inputs: [stateInstance(), { name: "enabled", type: { kind: "boolean" }, description: "Whether SSL should be on (ShowInstance `enable_ssl`); the outputs hold the value the instance reported last. Cannot be on together with client IP pass-through.", required: true }],
    example: { title: "SSL on", name: "ssl", inputs: { instanceId: HA, enabled: true } },
    import: { parts: [{ name: "instanceId" }], example: HA, probe: [{ enabled: false }, { enabled: true }] },
  },
  {
    name: "InstancePublicAccess",
    summary: "Public access of a DCS instance, bound or not (`POST` / `DELETE .../public-ip`), declaratively: a job starts only when the live value differs; refresh shows drift.",
    inputs: [
      stateInstance(),
      { name: "enabled", type: { kind: "boolean" }, description: "Whether public access should be bound (ShowInstance `enable_publicip`).", required: true },
      { name: "elbId", type: { kind: "string" }, description: "The ELB to bind (Redis 4.0 and later), a UUID. Binding needs `elbId` or `publicipId`." },
      { name: "publicipId", type: { kind: "string" }, description: "The EIP to bind (Redis 3.0), a UUID." },
      { name: "enableSsl", type: { kind: "boolean" }, description: "Redis 3.0: SSL on the public address." },
    ],
    example: { title: "Public access through an ELB", name: "public", inputs: { instanceId: HA, enabled: true, elbId: "0f6a0a3c-58b2-4c0c-9f7b-5a1f9e5a2b31" } },
    import: { parts: [{ name: "instanceId" }], example: HA, probe: [{ enabled: false }, { enabled: true }] },
  },
  {
    name: "InstanceWhitelist",
    inputs: [
      stateInstance(),
      { name: "enabled", type: { kind: "boolean" }, description: "Whether the whitelist is on.", required: true },
      { name: "groups", type: { kind: "array", items: { kind: "object", name: "WhitelistGroup" } }, description: 'The groups: `[{ name: "app", ips: ["10.0.0.0/24"] }]` (order of groups and of addresses does not matter).', required: true },
    ],
    example: { title: "Only the app subnet", name: "whitelist", inputs: { instanceId: HA, enabled: true, groups: [{ name: "app", ips: ["10.0.0.0/24"] }] } },
    import: { parts: [{ name: "instanceId" }], example: HA, probe: [{ enabled: false, groups: [] }, { enabled: true, groups: [{ name: "-", ips: [] }] }] },
  },
  {
    name: "InstanceParameters",
    inputs: [
      stateInstance(),
      {
        name: "parameters",
        type: { kind: "map", values: { kind: "string" } },
        description: 'Redis parameters by name, e.g. `{ timeout: "100", "maxmemory-policy": "allkeys-lru" }`; others are left alone. A name DCS does not let users change is refused in `check` with close matches (for one this package does not list, use `DcsOperation` with the `async-configs` path).',
        required: true,
      },
    ],
    example: { title: "Idle timeout and eviction policy", name: "params", inputs: { instanceId: HA, parameters: { timeout: "100", "maxmemory-policy": "allkeys-lru" } } },
    import: { parts: [{ name: "instanceId" }, { name: "parameters", list: true }], example: `${HA}:timeout,maxmemory-policy` },
  },
  {
    name: "AclAccountRole",
    inputs: [
      stateInstance(),
      { name: "accountId", type: { kind: "string" }, description: "The account's `account_id` (ListAclAccounts)." + replaces, required: true, replaces: true },
      { name: "role", type: { kind: "string" }, description: "`read` or `write` (the SDK's `account_role` enum).", required: true },
    ],
    example: { title: "A read-only application account", name: "appReadonly", inputs: { instanceId: HA, accountId: "acc0a990-4b1d-4c7a-9e2f-1a0b3c4d5e01", role: "read" } },
    import: { parts: [{ name: "instanceId" }, { name: "accountId" }], example: `${HA}:acc0a990-4b1d-4c7a-9e2f-1a0b3c4d5e01`, probe: [{ role: "read" }, { role: "write" }] },
  },
];

/** `InstanceSsl` -> `instanceSsl` (the runtime's export). */
function runtimeName(name: string): string {
  return name[0]!.toLowerCase() + name.slice(1);
}

function request(o: OperationDef): string {
  return `\`${o.method} ${o.path}\``;
}

function derive(spec: TableResourceSpec): ResourceDescriptor {
  const ops = OPERATIONS.filter((o) => "resource" in o && o.resource === spec.name) as OperationDef[];
  const kinds = new Set(ops.map((o) => o.kind));
  if (kinds.size > 1) throw new Error(`${spec.name}: its operations are of different kinds`);
  const kind = ops[0]?.kind ?? spec.kind;
  if (!kind) throw new Error(`${spec.name}: no operation of the table names it, and it gives no kind`);
  const first = ops[0];
  const summary =
    spec.summary ??
    (kind === "action"
      ? `${first!.summary.replace(/\.$/, "")} (${request(first!)}), once per \`triggers\` value, waited on until its job ends.`
      : `${first!.summary.replace(/\.$/, "")} (${request(first!)}), declaratively: a job starts only when the live value differs; refresh shows drift.`);
  const lines =
    kind === "action"
      ? [
          "- create: starts the operation once (or adopts a job of the kind an interrupted run started), then waits; fails with the job's `fail_reason`, job ID and instance ID if the job ends in `FAIL`.",
          "- `triggers` changed: runs it once more (an in-place update). Nothing changed: nothing runs.",
          "- A wait that times out or breaks after the job started leaves the job in the state (a partial failure); the next `pulumi up` resumes waiting on it instead of starting another.",
          "- delete: removes it from the stack only; an operation that ran cannot be undone by deleting it.",
        ]
      : [
          "- create/update: reads the live value and starts a job only when it differs (a job of the kind already running is waited for first); then waits, and reads the value again.",
          "- refresh: reports the live value (drift).",
          "- delete: leaves the instance as it is.",
        ];
  if (spec.onDelete) lines[lines.findIndex((l) => l.startsWith("- delete:"))] = spec.onDelete;
  for (const o of ops) {
    lines.push(`- ${o.name}: ${request(o)}; waits for ${o.waitsFor}; task name \`${o.task.name}\`${o.task.source === "assumed" ? " (assumed: no vendor source names it)" : o.task.source.startsWith("assumed") ? ` (${o.task.source})` : ""}.`);
    if (o.notes) lines.push(`- ${o.notes}`);
  }
  const terraform = [...new Set(ops.flatMap((o) => (o.terraform ? [o.terraform] : [])))];
  if (terraform.length) lines.push(`- Terraform: ${terraform.map((t) => `\`${t}\``).join(", ")}.`);
  lines.push(...(spec.about ?? []));
  const jobTypes = [...new Set(ops.flatMap((o) => (o.jobType ? [o.jobType] : [])))];
  return {
    name: spec.name,
    runtime: runtimeName(spec.name),
    operations: ops.map((o) => o.name),
    kind,
    ...(jobTypes.length === 1 ? { jobType: jobTypes[0] } : {}),
    taskNames: [...new Set(ops.map((o) => o.task.name))],
    summary,
    description: lines.join("\n"),
    inputs: kind === "action" ? [...spec.inputs, ...actionInputs(spec.name === "MasterStandbySwap" ? "the switchover" : spec.name === "DcsOperation" ? "the call" : "the operation")] : [...spec.inputs, waitTimeout, ...location],
    outputs: kind === "action" ? [...jobOutputs(false), adopted, steps, ...(spec.outputs ?? []), ...record] : [changed, adopted, ...jobOutputs(false), ...(spec.outputs ?? []), ...record],
    examples: Array.isArray(spec.example) ? spec.example : [renderExample(spec.name, spec.example)],
    import: spec.import,
  };
}

/** The operation table's resources (besides `MasterStandbySwap` and `ClientIpPassThrough`), and `DcsOperation`. */
export const TABLE_RESOURCES: ResourceDescriptor[] = SPECS.map(derive);
