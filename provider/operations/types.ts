/**
 * The shape of one DCS operation that answers with a job ID: everything the client, the resources,
 * the CLI, the emulator and the docs need to know about it, as data. Method, path and body field names
 * come from the vendor Go SDK (`huaweicloud-sdk-go-v3` v0.1.207, `services/dcs/v2/dcs_meta.go` and
 * `model/`); the conformance tests compare them with the SDK at test time.
 */
import type { z } from "zod";

/** Path parameters of DCS v2 operations (the project ID is always the client's). */
export type PathParam = "instance_id" | "group_id" | "node_id" | "account_id";

/** Values of the path parameters of one call. */
export type PathValues = Partial<Record<PathParam, string>>;

/** How a stack declares the operation. */
export type OperationKind =
  /** Runs once per `triggers` value (a swap, a switchover): not idempotent. */
  | "action"
  /** Brings a value to the wanted one (SSL on/off): idempotent by reading the value first. */
  | "state";

/** Where the operation's background task shows up, and how sure that is. */
export interface TaskName {
  /** The task's `name` in the task lists (adoption and reconciliation match on it). */
  name: string;
  /**
   * The vendor source that names it, or `"assumed"`: the vendor documents task names for only some
   * operations; an assumed name that is wrong makes adoption find nothing (a new job starts after a
   * crash), never adopt a wrong job.
   */
  source: string;
}

/** One job-returning DCS operation. */
export interface OperationDef {
  /** The SDK's name (`GenReqDefFor<name>` in dcs_meta.go). */
  name: string;
  /** The command of `dcs-jobs run <cli>` and the id in docs/operations.md. */
  cli: string;
  /** One line for docs and `--help`. */
  summary: string;
  method: "PUT" | "POST" | "DELETE";
  /** The path template, exactly as dcs_meta.go has it. */
  path: string;
  /** The path parameters besides `{project_id}`, in path order. */
  pathParams: readonly PathParam[];
  /** The request body (field names exactly as the SDK's request model); absent: the call has no body. */
  body?: z.ZodType;
  /** An example body for docs and the CLI's help (valid against `body`). */
  exampleBody?: unknown;
  kind: OperationKind;
  task: TaskName;
  /** `job_type` of ShowJobInfo, when a vendor source names it (the SDK's enum has only two). */
  jobType?: string;
  /** Error codes meaning "already in the wanted state": the call was refused and there is nothing to do. */
  alreadyCodes?: readonly string[];
  /**
   * Error codes meaning "a change of this very kind is already being processed": the call did not start.
   * Handled like the instance-busy codes (a look at the tasks: the running change is adopted, never
   * queued behind), besides the general busy list every operation shares.
   */
  busyCodes?: readonly string[];
  /** A typical duration, for the poll schedule's prior (ms). */
  typicalMs: number;
  /** The typed resource of this package that declares it, if any. */
  resource?: string;
  /** The corresponding Terraform resource (terraform-provider-huaweicloud), if any. */
  terraform?: string;
  /** What it waits for, in words (docs). */
  waitsFor: string;
  /** Anything a user must know (conflicts, prerequisites). */
  notes?: string;
}
