/**
 * One description of what the provider plugin offers: the package, its provider config, its resources
 * (inputs, outputs, which are secret, docs with examples) and the object types they use. Everything
 * derived from it reads it from here: the Pulumi package schema (`schema.ts`, written to `schema.json`
 * by `scripts/gen-schema.ts`), the plugin's type dispatch and secret handling (`provider.ts`) and the
 * tests that compare them with the runtime's `check`.
 *
 * Shaped to be fed later from the operation table of issue #11 (`provider/operations/`): each resource
 * names the table entry it declares (`operation`, the SDK's operation name such as
 * `ChangeMasterStandbyAsync`) and carries the same `kind` and `jobType` fields, so a table-driven
 * version can fill `summary`, `kind` and `jobType` from the entry and keep only what the table does not
 * know (property docs, examples) here. Pure data: no I/O, no Pulumi imports.
 */

/** The Pulumi package name: config namespace, token prefix, plugin `pulumi-resource-dcsjobs`. */
export const PACKAGE_NAME = "dcsjobs";

/** The module of every token (`dcsjobs:index:MasterStandbySwap`). */
export const MODULE = "index";

/** A property's type, in the few shapes these resources use. */
export type PropertyType =
  | { kind: "string" }
  | { kind: "boolean" }
  | { kind: "integer" }
  | { kind: "number" }
  /** `"30m"`, `"90s"`, `"1h30m"`, `"500ms"`, or a number of seconds. */
  | { kind: "duration" }
  /** Any value (the engine's `pulumi.json#/Any`). */
  | { kind: "any" }
  | { kind: "array"; items: PropertyType }
  /** An object type of this package ({@link OBJECT_TYPES}), by name. */
  | { kind: "object"; name: string };

export interface PropertyDescriptor {
  name: string;
  type: PropertyType;
  /** Markdown. */
  description: string;
  /** Inputs: required to create. Outputs: always present. */
  required?: boolean;
  /** Stored encrypted in state and masked in output (`secret: true` in the schema). */
  secret?: boolean;
  /** Changing it replaces the resource (documentation for SDK users; `diff` decides). */
  replaces?: boolean;
}

export interface Example {
  title: string;
  yaml: string;
  python: string;
}

/** How a resource uses its operation: the table's `OperationKind`, plus `wait` (starts nothing). */
export type ResourceKind = "action" | "state" | "wait";

export interface ResourceDescriptor {
  /** The type name (also the runtime object's resource). */
  name: "MasterStandbySwap" | "ClientIpPassThrough" | "DcsJob";
  /** The operation-table entry it declares (`OperationDef.name`), if it starts one. */
  operation?: string;
  kind: ResourceKind;
  /** `job_type` of the jobs it starts or adopts. */
  jobType?: string;
  /** One line. */
  summary: string;
  /** Markdown paragraphs after the summary. */
  description: string;
  inputs: PropertyDescriptor[];
  /** Output-only properties (the inputs are outputs too). */
  outputs: PropertyDescriptor[];
  examples: Example[];
}

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
    "Start Huawei Cloud DCS (Redis) operations that run as background jobs — a master/standby switchover, client-IP pass-through — once, and block the deployment until their job ends.",
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

const DURATION_DOC = '`"30m"`, `"90s"`, `"1h30m"`, `"500ms"` or a number of seconds';

const waitTimeout: PropertyDescriptor = {
  name: "waitTimeout",
  type: { kind: "duration" },
  description: `How long to wait for the job: ${DURATION_DOC}. Default 30 minutes, at most 24 hours. Pulumi's \`customTimeouts\` do not apply: use this.`,
};

/** The job fields every job-backed resource outputs. */
function jobOutputs(always: boolean): PropertyDescriptor[] {
  const r = always ? { required: true } : {};
  return [
    { name: "jobId", type: { kind: "string" }, description: "The DCS job ID (`job_id`) of the last job.", ...r },
    { name: "jobType", type: { kind: "string" }, description: "The job's `job_type`, e.g. `masterStandbySwapJob`.", ...r },
    { name: "status", type: { kind: "string" }, description: "The job's last status: `SUCCESS` after a normal run; `INIT`, `RUNNING` or `UNKNOWN` while it is pending.", ...r },
    { name: "beginTime", type: { kind: "string" }, description: "`begin_time`, ISO-8601." },
    { name: "endTime", type: { kind: "string" }, description: "`end_time`, ISO-8601." },
    { name: "durationMs", type: { kind: "number" }, description: "`end_time - begin_time` in milliseconds." },
    { name: "failReason", type: { kind: "string" }, description: "`fail_reason`, when the job failed." },
  ];
}

const adopted: PropertyDescriptor = {
  name: "adopted",
  type: { kind: "boolean" },
  description: "True when the job was found already started (after an interrupted run) instead of being started.",
  required: true,
};

const record: PropertyDescriptor[] = [
  { name: "pending", type: { kind: "object", name: "PendingJob" }, description: "A job of this resource not yet seen to end; while it is set, every `pulumi up` resumes it (never starts another)." },
  { name: "ended", type: { kind: "object", name: "EndedJob" }, description: "How the last job of this resource ended." },
];

export const RESOURCES: ResourceDescriptor[] = [
  {
    name: "MasterStandbySwap",
    operation: "ChangeMasterStandbyAsync",
    kind: "action",
    jobType: "masterStandbySwapJob",
    summary: "A master/standby switchover of a DCS instance (`PUT .../async-swap`), waited on until its job ends.",
    description: [
      "- create: one switchover (or adopts one an interrupted run started), then waits; fails with the job's `fail_reason`, job ID and instance ID if the job ends in `FAIL`.",
      "- `triggers` changed: one new switchover (an in-place update). Nothing changed: nothing runs.",
      "- A wait that times out or breaks after the job started leaves the job in the state (a partial failure); the next `pulumi up` resumes waiting on it instead of starting another.",
      "- delete: removes it from the stack only; a switchover cannot be undone.",
    ].join("\n"),
    inputs: [
      { name: "instanceId", type: { kind: "string" }, description: "The master/standby (`ha`) instance to switch over. Changing it replaces the resource.", required: true, replaces: true },
      { name: "triggers", type: { kind: "any" }, description: "Any values; when they change, the next `pulumi up` runs one new switchover. Unchanged triggers run nothing." },
      waitTimeout,
      { name: "adoptWithin", type: { kind: "duration" }, description: `How far back create looks in the instance's background tasks for a switchover an interrupted run already started (adopted instead of starting another): ${DURATION_DOC}. Default: the wait timeout. \`0\` turns the look-up off.` },
      { name: "adoptFinished", type: { kind: "boolean" }, description: "Whether a switchover that already *succeeded* inside the `adoptWithin` window is adopted (default `true`). A running one always is; a failed one never is." },
    ],
    outputs: [
      ...jobOutputs(false),
      adopted,
      { name: "masterNode", type: { kind: "string" }, description: "The master node after the switchover, where the API reports one." },
      { name: "instanceStatus", type: { kind: "string" }, description: "The instance's status read after the job succeeded." },
      ...record,
    ],
    examples: [
      {
        title: "A switchover in a maintenance window",
        yaml: [
          "resources:",
          "  swap:",
          "    type: dcsjobs:MasterStandbySwap",
          "    properties:",
          "      instanceId: 8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e01",
          "      triggers: [\"2026-11 maintenance\"]",
          "      waitTimeout: 20m",
          "outputs:",
          "  swapJob: ${swap.jobId}",
        ].join("\n"),
        python: [
          "import pulumi",
          "import pulumi_dcsjobs as dcsjobs",
          "",
          "swap = dcsjobs.MasterStandbySwap(\"swap\",",
          "    instance_id=\"8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e01\",",
          "    triggers=[\"2026-11 maintenance\"],",
          "    wait_timeout=\"20m\")",
          "pulumi.export(\"swapJob\", swap.job_id)",
        ].join("\n"),
      },
    ],
  },
  {
    name: "ClientIpPassThrough",
    operation: "UpdateClientIpTransparentTransmission",
    kind: "state",
    jobType: "modifyClientIpTransJob",
    summary: "Client IP pass-through (`transparent_client_ip_enable`) of a DCS instance, declaratively.",
    description: [
      "- create/update: read the instance and start a `modifyClientIpTransJob` only when the value differs (a pass-through job already running is waited for first); then wait for it.",
      "- refresh: reports the live value (drift).",
      "- delete: leaves the instance as it is, unless `restoreOnDelete` (then sets back the value found before create).",
    ].join("\n"),
    inputs: [
      { name: "instanceId", type: { kind: "string" }, description: "The instance. Changing it replaces the resource.", required: true, replaces: true },
      { name: "enabled", type: { kind: "boolean" }, description: "Whether client IP pass-through should be on.", required: true },
      { name: "restoreOnDelete", type: { kind: "boolean" }, description: "On delete, set the value back to what it was before create (`initialEnabled`). Default false: leave it." },
      waitTimeout,
    ],
    outputs: [
      { name: "initialEnabled", type: { kind: "boolean" }, description: "The value found before create: what `restoreOnDelete` restores.", required: true },
      { name: "changed", type: { kind: "boolean" }, description: "False when the last create/update found the value already set and started no job.", required: true },
      adopted,
      ...jobOutputs(false),
      ...record,
    ],
    examples: [
      {
        title: "Pass-through on, after a switchover",
        yaml: [
          "resources:",
          "  clientIp:",
          "    type: dcsjobs:ClientIpPassThrough",
          "    properties:",
          "      instanceId: 8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e01",
          "      enabled: true",
          "    options:",
          "      dependsOn: [\"${swap}\"]",
        ].join("\n"),
        python: [
          "client_ip = dcsjobs.ClientIpPassThrough(\"clientIp\",",
          "    instance_id=\"8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e01\",",
          "    enabled=True,",
          "    opts=pulumi.ResourceOptions(depends_on=[swap]))",
        ].join("\n"),
      },
    ],
  },
  {
    name: "DcsJob",
    kind: "wait",
    summary: "Waits for an existing DCS job (started elsewhere) to end, so that other resources can depend on it.",
    description: "Fails with the job's `fail_reason` if it ends in `FAIL`. Starts nothing; delete does nothing.",
    inputs: [
      { name: "jobId", type: { kind: "string" }, description: "The job to wait for (`job_id` of any DCS operation). Changing it replaces the resource.", required: true, replaces: true },
      { name: "instanceId", type: { kind: "string" }, description: "The instance the job belongs to, for messages only." },
      waitTimeout,
    ],
    outputs: [...jobOutputs(true).filter((p) => p.name !== "jobId"), adopted],
    examples: [
      {
        title: "Wait for the switchover's job",
        yaml: ["resources:", "  swapJob:", "    type: dcsjobs:DcsJob", "    properties:", "      jobId: ${swap.jobId}", "      waitTimeout: 5m"].join("\n"),
        python: ["swap_job = dcsjobs.DcsJob(\"swapJob\", job_id=swap.job_id, wait_timeout=\"5m\")"].join("\n"),
      },
    ],
  },
];

const origin: PropertyDescriptor = {
  name: "origin",
  type: { kind: "string" },
  description: "How the job became this resource's: `started`, `adopted`, `reconciled` or `outcome-unknown`.",
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
