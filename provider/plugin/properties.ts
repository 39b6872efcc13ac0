/**
 * The shapes of the provider plugin's descriptors (`resources.ts`, `table-resources.ts`) and the property
 * descriptors most resources share (location, the job fields, the lifecycle record). Pure data.
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
  /** An object with any keys, all values of one type (`additionalProperties`). */
  | { kind: "map"; values: PropertyType }
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
  /** Changing it replaces the resource (documentation for SDK users; `diff` decides; a test compares). */
  replaces?: boolean;
}

export interface Example {
  title: string;
  yaml: string;
  python: string;
}

/** How a resource uses its operation: the table's `OperationKind`, plus `wait` (starts nothing). */
export type ResourceKind = "action" | "state" | "wait";

/** One part of an import ID (the parts are joined with `:`). */
export interface ImportPart {
  /** The input it fills (`jobId` for the job itself). */
  name: string;
  /** May be left out (only the last part). */
  optional?: boolean;
  /** Takes the rest of the ID, colons included (only the last part): parsed as JSON. */
  json?: boolean;
  /** A comma-separated list of names (`parameters`): the value is read for each. */
  list?: boolean;
}

/**
 * How `pulumi import` reads an existing job or value into state (through the plugin's Read with an ID and
 * no properties; `import.ts`). Nothing is ever started.
 */
export interface ImportDescriptor {
  /** The ID's parts, in order, separated by `:`. */
  parts: readonly ImportPart[];
  /** An example ID, for the docs. */
  example: string;
  /**
   * State resources: two different values of the value inputs, used to read the live value through the
   * runtime's `read` (which needs a stored value to compare with). Reading with both tells "the instance
   * reports X" from "the instance does not report it".
   */
  probe?: readonly [Record<string, unknown>, Record<string, unknown>];
}

export interface ResourceDescriptor {
  /** The type name (`dcsjobs:index:<name>`). */
  name: string;
  /** The runtime object that implements it (`provider/resources/runtime.ts` export, e.g. `masterStandbySwap`). */
  runtime: string;
  /** The operation-table entries it declares (`OperationDef.name`); empty for `DcsJob` and `DcsOperation`. */
  operations: readonly string[];
  kind: ResourceKind;
  /** `job_type` of the jobs it starts, where a vendor source names it (checked on import). */
  jobType?: string;
  /** The task names its jobs have in the task lists (adoption), as the table has them. */
  taskNames: readonly string[];
  /** One line. */
  summary: string;
  /** Markdown paragraphs after the summary. */
  description: string;
  inputs: PropertyDescriptor[];
  /** Output-only properties (the inputs are outputs too). */
  outputs: PropertyDescriptor[];
  examples: Example[];
  import: ImportDescriptor;
}

export const DURATION_DOC = '`"30m"`, `"90s"`, `"1h30m"`, `"500ms"` or a number of seconds';

export const waitTimeout: PropertyDescriptor = {
  name: "waitTimeout",
  type: { kind: "duration" },
  description: `How long to wait for the job: ${DURATION_DOC}. Default 30 minutes, at most 24 hours. Pulumi's \`customTimeouts\` do not apply: use this.`,
};

/** The optional per-resource location every resource takes (`LocationArgs`): it overrides the provider config. */
export const location: PropertyDescriptor[] = [
  {
    name: "region",
    type: { kind: "string" },
    description: "Region of this resource's instance, e.g. `ap-southeast-1` (overrides `dcsjobs:region` and `dcsjobs:endpoint` for this resource only). Changing it replaces the resource.",
    replaces: true,
  },
  {
    name: "projectId",
    type: { kind: "string" },
    description: "Project of this resource's instance (overrides `dcsjobs:projectId`). Changing it replaces the resource.",
    replaces: true,
  },
  { name: "endpoint", type: { kind: "string" }, description: "Explicit DCS endpoint for this resource (overrides `dcsjobs:endpoint` and the region's). Credentials still come from the provider config." },
];

/** What every action takes besides its target: `triggers`, the wait and the adoption window (`ActionArgs`). */
export function actionInputs(what: string): PropertyDescriptor[] {
  return [
    { name: "triggers", type: { kind: "any" }, description: `Any values; when they change, the next \`pulumi up\` runs ${what} once more (an in-place update). Unchanged triggers run nothing.` },
    waitTimeout,
    {
      name: "adoptWithin",
      type: { kind: "duration" },
      description: `How far back create looks in the instance's background tasks for a job of the kind that an interrupted run already started (adopted instead of starting another): ${DURATION_DOC}. Default: the wait timeout. \`0\` turns the look-up off.`,
    },
    { name: "adoptFinished", type: { kind: "boolean" }, description: "Whether a job of the kind that already *succeeded* inside the `adoptWithin` window is adopted (default `true`). A running one always is; a failed one never is." },
    ...location,
  ];
}

/** The job fields every job-backed resource outputs. */
export function jobOutputs(always: boolean): PropertyDescriptor[] {
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

export const steps: PropertyDescriptor = {
  name: "steps",
  type: { kind: "array", items: { kind: "object", name: "JobStep" } },
  description: "The steps of the job's background task (ShowBackgroundTaskProgress) with their statuses and durations, when the wait could read them: where the time went.",
};

export const adopted: PropertyDescriptor = {
  name: "adopted",
  type: { kind: "boolean" },
  description: "True when the job was found already started (after an interrupted run, or by `pulumi import`) instead of being started.",
  required: true,
};

export const changed: PropertyDescriptor = {
  name: "changed",
  type: { kind: "boolean" },
  description: "False when the last create/update found the value already set and started no job.",
  required: true,
};

export const record: PropertyDescriptor[] = [
  { name: "pending", type: { kind: "object", name: "PendingJob" }, description: "A job of this resource not yet seen to end; while it is set, every `pulumi up` resumes it (never starts another)." },
  { name: "ended", type: { kind: "object", name: "EndedJob" }, description: "How the last job of this resource ended." },
];

/** The import ID of an action on one instance: `<instanceId>:<jobId>`. */
export const ACTION_IMPORT: ImportPart[] = [{ name: "instanceId" }, { name: "jobId" }];

