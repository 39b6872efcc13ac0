/**
 * docs/operations.md, generated from the operation table (`provider/operations/table.ts`), so the docs
 * cannot drift from what the client sends: `npx tsx scripts/gen-operations-doc.ts` writes it, and
 * test/operations.docs.test.ts fails when the file differs from what this renders.
 */
import { z } from "zod";
import { OPERATIONS, type OperationDef } from "../../provider/operations";

const INSTANCE = "8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e01";
const CLUSTER = "8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e05";
const GROUP = "<group-id>";
const NODE = "<node-id>";

/** A TypeScript example per typed resource (the classes in provider/resources/). */
const EXAMPLES: Record<string, string> = {
  MasterStandbySwap: `new MasterStandbySwap("swap", { instanceId: "${INSTANCE}", triggers: ["2026-12 drill"] });`,
  ClientIpPassThrough: `new ClientIpPassThrough("client-ip", { instanceId: "${INSTANCE}", enabled: true });`,
  ClusterReplicaSwitchover: `new ClusterReplicaSwitchover("shard-1", { instanceId: "${CLUSTER}", groupId, nodeId, triggers: ["2026-12 drill"] });`,
  InstanceSsl: `new InstanceSsl("ssl", { instanceId: "${INSTANCE}", enabled: true });`,
  InstancePublicAccess: `new InstancePublicAccess("public", { instanceId: "${INSTANCE}", enabled: true, elbId });`,
  InstanceWhitelist: `new InstanceWhitelist("whitelist", { instanceId: "${INSTANCE}", enabled: true, groups: [{ name: "app", ips: ["10.0.0.0/24"] }] });`,
  InstanceParameters: `new InstanceParameters("params", { instanceId: "${INSTANCE}", parameters: { timeout: "100", "maxmemory-policy": "allkeys-lru" } });`,
  AclAccountRole: `new AclAccountRole("app-readonly", { instanceId: "${INSTANCE}", accountId, role: "read" });`,
  ReplicaIpRemoval: `new ReplicaIpRemoval("drain", { instanceId: "${CLUSTER}", groupId, nodeId, triggers: ["2026-12"] });`,
};

/** The typed resource of an operation (the table's `resource`). */
function resourceOf(op: OperationDef): string | undefined {
  return op.resource;
}

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
}

function typeText(s: JsonSchema): string {
  if (s.enum) return s.enum.map((e) => JSON.stringify(e)).join(" \\| ");
  if (s.type === "array") return `${s.items ? typeText(s.items) : "any"}[]`;
  if (s.type === "object" && s.properties) return `{ ${Object.keys(s.properties).join(", ")} }`;
  return s.type ?? "any";
}

/** Rows of the body table: every field, nested ones by their path. */
function bodyRows(s: JsonSchema, prefix = ""): string[] {
  const rows: string[] = [];
  for (const [name, f] of Object.entries(s.properties ?? {})) {
    const path = `${prefix}${name}`;
    rows.push(`| \`${path}\` | ${typeText(f)} | ${(s.required ?? []).includes(name) ? "yes" : "no"} |`);
    if (f.type === "object") rows.push(...bodyRows(f, `${path}.`));
    if (f.type === "array" && f.items?.type === "object") rows.push(...bodyRows(f.items, `${path}[].`));
  }
  return rows;
}

function cliExample(op: OperationDef): string {
  const flags: string[] = [];
  for (const p of op.pathParams) flags.push(p === "instance_id" ? `--instance ${op.pathParams.includes("group_id") ? CLUSTER : INSTANCE}` : p === "group_id" ? `--group ${GROUP}` : p === "node_id" ? `--node ${NODE}` : "--account <account-id>");
  if (op.exampleBody !== undefined) flags.push(`--body '${JSON.stringify(op.exampleBody)}'`);
  return `dcs-jobs run ${op.cli} ${flags.join(" ")} --wait`;
}

function section(op: OperationDef): string {
  const resource = resourceOf(op);
  const lines = [
    `## \`${op.cli}\`: ${op.name}`,
    "",
    op.summary,
    "",
    `- Request: \`${op.method} ${op.path}\`${op.body ? "" : " (no body)"}`,
    `- Kind: ${op.kind === "action" ? "action (runs once per `triggers` value; not idempotent)" : "state (starts a job only when the live value differs)"}`,
    `- Waits for: ${op.waitsFor}`,
    `- Task name: \`${op.task.name}\` (${op.task.source === "assumed" ? "assumed: no vendor source names it" : op.task.source})`,
    ...(op.alreadyCodes?.length ? [`- Already in that state: ${op.alreadyCodes.map((c) => `\`${c}\``).join(", ")} (nothing to do)`] : []),
    `- Terraform: ${op.terraform ? `\`${op.terraform}\`` : "none"}`,
    `- Resource: ${resource ? `\`${resource}\`` : "`DcsOperation` (generic)"}`,
    ...(op.notes ? [`- Note: ${op.notes}`] : []),
    "",
  ];
  if (op.body) {
    const schema = z.toJSONSchema(op.body as z.ZodType) as JsonSchema;
    lines.push("Body (field names as the SDK's request model; unknown fields are refused before any call):", "", "| field | type | required |", "|---|---|---|", ...bodyRows(schema), "");
  }
  const ts = resource
    ? EXAMPLES[resource]!
    : `new DcsOperation("${op.cli}", { method: "${op.method}", path: "${op.path.replace("{instance_id}", INSTANCE)}"${op.exampleBody !== undefined ? `, body: ${JSON.stringify(op.exampleBody)}` : ""}, triggers: ["1"] });`;
  lines.push("```ts", ts, "```", "", "```sh", cliExample(op), "```", "");
  return lines.join("\n");
}

/** The whole of docs/operations.md. */
export function renderOperationsDoc(): string {
  return [
    "# Operations",
    "",
    "<!-- Generated from provider/operations/table.ts by `npx tsx scripts/gen-operations-doc.ts`; test/operations.docs.test.ts keeps it equal. -->",
    "",
    "Every DCS v2 operation whose answer carries `job_id` (huaweicloud-sdk-go-v3 v0.1.207, `services/dcs/v2`:",
    "method and path from `dcs_meta.go`, body fields from `model/`). Each is started once, never resent when its",
    "answer is lost, and waited on at `GET /v2/{project_id}/jobs/{job_id}`; as a resource it gets the lifecycle of",
    "[resources.md](resources.md#the-lifecycle-start-once-never-twice-never-forget). From a shell:",
    "`dcs-jobs run <command> ... --wait` (`dcs-jobs operations` lists them).",
    "",
    "| command | SDK name | kind | request | resource |",
    "|---|---|---|---|---|",
    ...OPERATIONS.map((o) => `| [\`${o.cli}\`](#${o.cli}-${o.name.toLowerCase()}) | ${o.name} | ${o.kind} | \`${o.method} ${o.path}\` | ${resourceOf(o) ?? "`DcsOperation`"} |`),
    "",
    ...OPERATIONS.map(section),
    "## Any other job-returning call: `DcsOperation`",
    "",
    "A call the table does not know yet is declared with its method and path (the `{project_id}` placeholder is",
    "filled in by the client; the path must have the DCS v2 shape), a body, and `triggers`; `jobType` names its",
    "task for adoption after an interrupted run. Two that Terraform's DCS resources also wait on:",
    "",
    "- `PUT /v2/{project_id}/instances/{instance_id}/bandwidths` (UpdateBandwidth): body",
    "  `{ group_bandwidths: [{ group_id, target_bandwidth }] }` (target in Mbit/s; SDK `UpdateBandwidthInfoRequest`);",
    "  Terraform `huaweicloud_dcs_instance_shard_bandwidth`.",
    "- `PUT /v2/{project_id}/instances/{instance_id}/nodes/status` (ChangeNodesStartStopStatus): body",
    "  `{ node_ids?: string[], action: \"start\" | \"stop\" }` (SDK `ChangeNodesStartStopStatusBody`);",
    "  Terraform `huaweicloud_dcs_node_status_change`.",
    "",
    "```ts",
    `new DcsOperation("bandwidth", {`,
    `  method: "PUT",`,
    "  path: `/v2/{project_id}/instances/${instanceId}/bandwidths`,",
    "  body: { group_bandwidths: [{ group_id: groupId, target_bandwidth: 256 }] },",
    `  triggers: ["2026-12 traffic peak"],`,
    "});",
    "```",
    "",
  ].join("\n");
}
