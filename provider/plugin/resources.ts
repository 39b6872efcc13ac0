/**
 * One description of what the provider plugin offers: the package, its provider config, its resources
 * (inputs, outputs, which are secret, docs with examples, how each is imported) and the object types they
 * use. Everything derived from it reads it from here: the Pulumi package schema (`schema.ts`, written to
 * `schema.json` by `scripts/gen-schema.ts`), the plugin's type dispatch, secret handling and import
 * (`provider.ts`, `import.ts`) and the tests that compare them with the runtime's `check`.
 *
 * The resources of the operation table (`provider/operations/table.ts`), `MasterStandbySwap` and
 * `ClientIpPassThrough` included, are derived from it in `table-resources.ts`: name
 * (`OPERATIONS[].resource`), kind, task names, summary, request, Terraform counterpart and notes come from
 * the table, and `DcsOperation`'s body docs from the table's zod bodies (`z.toJSONSchema`); only the
 * property docs, an example and the import ID are written there. `DcsJob`, which declares no operation,
 * is written out here. Pure data: no I/O, no Pulumi imports.
 */
import { adopted, jobOutputs, location, MODULE, PACKAGE_NAME, steps, waitTimeout, type PropertyDescriptor, type ResourceDescriptor } from "./properties";
import { TABLE_RESOURCES } from "./table-resources";

export { MODULE, PACKAGE_NAME } from "./properties";
export type { Example, ImportDescriptor, ImportPart, PropertyDescriptor, PropertyType, ResourceDescriptor, ResourceKind } from "./properties";

export interface ConfigDescriptor {
  name: string;
  description: string;
  secret?: boolean;
  /** Environment variables read when the config is not set, in order. */
  env: string[];
}

export interface ObjectTypeDescriptor {
  name: string;
  description: string;
  properties: PropertyDescriptor[];
}

export interface PackageDescriptor {
  name: string;
  displayName: string;
  description: string;
  keywords: string[];
  homepage: string;
  repository: string;
  license: string;
  publisher: string;
  /** Package names per SDK language. */
  language: { python: string; nodejs: string; go: string; csharp: string };
}

export const PACKAGE: PackageDescriptor = {
  name: PACKAGE_NAME,
  displayName: "Huawei Cloud DCS jobs",
  description:
    "Start Huawei Cloud DCS (Redis) operations that run as background jobs — a master/standby switchover, client-IP pass-through, SSL, public access, whitelists, parameters, ACL roles, cluster replica switchovers, or any job-returning call — once, and block the deployment until their job ends.",
  keywords: ["pulumi", "huaweicloud", "dcs", "redis", "jobs", "category/cloud", "kind/native"],
  homepage: "https://www.npmjs.com/package/pulumi-dcs-jobs",
  repository: "https://www.npmjs.com/package/pulumi-dcs-jobs",
  license: "Apache-2.0",
  publisher: "pulumi-dcs-jobs",
  language: {
    python: "pulumi_dcsjobs",
    nodejs: "@pulumi-dcs-jobs/dcsjobs",
    go: "example.com/pulumi-dcs-jobs/sdk/go/dcsjobs",
    csharp: "PulumiDcsJobs.Dcsjobs",
  },
};

/** The provider config (`pulumi config set dcsjobs:region ...`), with the environment read when unset. */
export const CONFIG: ConfigDescriptor[] = [
  { name: "region", description: "The region, e.g. `ap-southeast-1` (picks the endpoint).", env: ["HW_REGION_NAME", "HUAWEICLOUD_SDK_REGION"] },
  { name: "projectId", description: "The project ID of the region (32 hex characters).", env: ["HW_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID"] },
  { name: "endpoint", description: "An explicit DCS endpoint (wins over `region`); plain `http://` only on loopback.", env: ["HW_DCS_ENDPOINT"] },
  { name: "cloud", description: "The endpoint template: `huaweicloud` (default) or `otc` (Open Telekom Cloud).", env: ["HW_CLOUD"] },
  { name: "accessKey", description: "The access key (AK).", secret: true, env: ["HW_ACCESS_KEY", "HUAWEICLOUD_SDK_AK"] },
  { name: "secretKey", description: "The secret key (SK).", secret: true, env: ["HW_SECRET_KEY", "HUAWEICLOUD_SDK_SK"] },
  { name: "securityToken", description: "The security token of temporary credentials (with `accessKey` and `secretKey`).", secret: true, env: ["HW_SECURITY_TOKEN", "HUAWEICLOUD_SDK_SECURITY_TOKEN"] },
  { name: "token", description: "An IAM token, instead of an access key pair.", secret: true, env: ["HW_AUTH_TOKEN"] },
];

// ---- the resources ------------------------------------------------------------------------------------

/** The resource written out here: `DcsJob` waits on any job and declares no operation of the table. */
const DCS_JOB: ResourceDescriptor[] = [
  {
    name: "DcsJob",
    runtime: "dcsJob",
    operations: [],
    kind: "wait",
    taskNames: [],
    summary: "Waits for an existing DCS job (started elsewhere) to end, so that other resources can depend on it.",
    description: "Fails with the job's `fail_reason` if it ends in `FAIL`. Starts nothing; delete does nothing.",
    inputs: [
      { name: "jobId", type: { kind: "string" }, description: "The job to wait for (`job_id` of any DCS operation). Changing it replaces the resource.", required: true, replaces: true },
      { name: "instanceId", type: { kind: "string" }, description: "The instance the job belongs to, for messages (and the task's steps) only." },
      waitTimeout,
      ...location,
    ],
    outputs: [...jobOutputs(true).filter((p) => p.name !== "jobId"), adopted, steps],
    examples: [
      {
        title: "Wait for the switchover's job",
        yaml: ["resources:", "  swapJob:", "    type: dcsjobs:DcsJob", "    properties:", "      jobId: ${swap.jobId}", "      waitTimeout: 5m"].join("\n"),
        python: ["swap_job = dcsjobs.DcsJob(\"swapJob\", job_id=swap.job_id, wait_timeout=\"5m\")"].join("\n"),
      },
    ],
    import: { parts: [{ name: "jobId" }], example: "ff8080818822bbf70188235afc24141a" },
  },
];

/** Every resource the plugin serves: the operation table's (`table-resources.ts`; swap and pass-through first, as since 0.1.0) and `DcsJob`. */
export const RESOURCES: ResourceDescriptor[] = [
  ...TABLE_RESOURCES.filter((r) => r.name === "MasterStandbySwap" || r.name === "ClientIpPassThrough"),
  ...DCS_JOB,
  ...TABLE_RESOURCES.filter((r) => r.name !== "MasterStandbySwap" && r.name !== "ClientIpPassThrough"),
];

const origin: PropertyDescriptor = {
  name: "origin",
  type: { kind: "string" },
  description: "How the job became this resource's: `started`, `adopted` (also: read by `pulumi import`), `reconciled` or `outcome-unknown`.",
  required: true,
};

export const OBJECT_TYPES: ObjectTypeDescriptor[] = [
  {
    name: "PendingJob",
    description: "A job of the resource that has not been seen to end.",
    properties: [
      origin,
      { name: "jobId", type: { kind: "string" }, description: "The DCS job ID; absent while the outcome of the start call is unknown." },
      { name: "taskId", type: { kind: "string" }, description: "The background task behind the job, when known." },
      { name: "since", type: { kind: "string" }, description: "When the start request was sent, or the job adopted (ISO-8601).", required: true },
      { name: "knownTaskIds", type: { kind: "array", items: { kind: "string" } }, description: "`outcome-unknown` only: the tasks listed just before the request was sent." },
      { name: "intent", type: { kind: "string" }, description: "What the job is for: the stable JSON of the `triggers`, or of the wanted value.", required: true },
    ],
  },
  {
    name: "EndedJob",
    description: "How the last job of the resource ended.",
    properties: [
      { name: "outcome", type: { kind: "string" }, description: "`SUCCESS`, `FAIL`, `GONE` (no longer readable) or `NOT_STARTED`.", required: true },
      origin,
      { name: "jobId", type: { kind: "string" }, description: "The DCS job ID." },
      { name: "taskId", type: { kind: "string" }, description: "The background task behind the job, when known." },
      { name: "intent", type: { kind: "string" }, description: "What the job was for.", required: true },
      { name: "since", type: { kind: "string" }, description: "When it was started or adopted (ISO-8601)." },
      { name: "at", type: { kind: "string" }, description: "When its end was observed (ISO-8601).", required: true },
      { name: "failReason", type: { kind: "string" }, description: "`fail_reason`, for `FAIL`." },
      { name: "taskStatus", type: { kind: "string" }, description: "`GONE`: the task's status in the task list, if found." },
    ],
  },
  {
    name: "JobStep",
    description: "One step of a job's background task (ShowBackgroundTaskProgress).",
    properties: [
      { name: "name", type: { kind: "string" }, description: "The step's name.", required: true },
      { name: "status", type: { kind: "string" }, description: "The step's last status, e.g. `FINISHED`, `EXECUTING`, `FAILED`.", required: true },
      { name: "durationMs", type: { kind: "number" }, description: "How long it took in milliseconds, when known." },
      { name: "errorCode", type: { kind: "string" }, description: "The step's `error_code`, when it failed." },
    ],
  },
  {
    name: "WhitelistGroup",
    description: "One IP whitelist group of an instance.",
    properties: [
      { name: "name", type: { kind: "string" }, description: "The group's name (`group_name`).", required: true },
      { name: "ips", type: { kind: "array", items: { kind: "string" } }, description: 'The group\'s IPv4 addresses or CIDR ranges (`ip_list`), e.g. `["10.0.0.0/24"]`; order does not matter.', required: true },
    ],
  },
];

/** The type token of a resource or object type (`dcsjobs:index:MasterStandbySwap`). */
export function token(name: string): string {
  return `${PACKAGE_NAME}:${MODULE}:${name}`;
}

/** The descriptor of a type token, or undefined. */
export function resourceByToken(tok: string): ResourceDescriptor | undefined {
  return RESOURCES.find((r) => token(r.name) === tok);
}

/** Names of the secret properties of a resource (inputs and outputs). */
export function secretProperties(r: ResourceDescriptor): string[] {
  return [...r.inputs, ...r.outputs].filter((p) => p.secret).map((p) => p.name);
}

/** The import ID format of a resource, e.g. `<instanceId>:<jobId>`. */
export function importFormat(r: ResourceDescriptor): string {
  return r.import.parts.map((p) => (p.optional ? `[<${p.name}${p.json ? " as JSON" : ""}>]` : `<${p.name}${p.list ? ",..." : ""}>`)).join(":");
}
