/**
 * Fault injection: what can go wrong, per route, for the next N answers. Pure bookkeeping, no I/O:
 * the server asks {@link FaultRegistry.takeRequestFault} once per API request and
 * {@link FaultRegistry.takeJobFaults} once per started job.
 */
import { z } from "zod";
import { OPERATIONS } from "../operations/table";

/**
 * Route names of the table's operations that predate the table: kept so existing faults, stats and
 * tests keep working. Every other operation's route is named by its `cli` name (`ssl`, `whitelist`, ...).
 */
const LEGACY_OPERATION_ROUTES = { ChangeMasterStandbyAsync: "swap", UpdateClientIpTransparentTransmission: "clientIp" } as const;
type TableOperation = (typeof OPERATIONS)[number];
type RouteOf<O> = O extends { name: infer N; cli: infer C } ? (N extends keyof typeof LEGACY_OPERATION_ROUTES ? (typeof LEGACY_OPERATION_ROUTES)[N] : C) : never;
/** The route name of one of the table's operations. */
export type OperationRouteName = RouteOf<TableOperation>;

/** The route name of a table operation (its `cli` name, or `swap` / `clientIp`). */
export function operationRouteName(op: { name: string; cli: string }): OperationRouteName {
  return ((LEGACY_OPERATION_ROUTES as Record<string, string>)[op.name] ?? op.cli) as OperationRouteName;
}

/** Every table operation's route name, in table order (a new table entry gets its route name here). */
export const OPERATION_ROUTE_NAMES: readonly OperationRouteName[] = OPERATIONS.map(operationRouteName);

/** The API routes, by the names faults and stats use. */
export const ROUTE_NAMES = [
  "showJob",
  "swap",
  "swapSync",
  "clientIp",
  "showInstance",
  "listTasks",
  "listCenterTasks",
  "showTaskProgress",
  // Reads of what the table's operations change (vendor SDK dcs_meta.go).
  "showIpWhitelist",
  "listConfigurations",
  "listAclAccounts",
  "listGroupReplicationInfo",
  "showNodes",
  // The table's other operations, by `cli` name.
  ...OPERATION_ROUTE_NAMES.filter((n) => n !== "swap" && n !== "clientIp"),
] as const;
export type RouteName = (typeof ROUTE_NAMES)[number];

const times = z.union([z.number().int().positive(), z.literal("always")]).optional();
const route = z.enum([...ROUTE_NAMES, "*"]);
const common = {
  /** Which route the fault hits; `*` for every API route. */
  route,
  /** How many answers (or started jobs) it hits: default 1; `"always"` until cleared. */
  times,
  /** Only requests about this instance (for showJob: the instance the job belongs to). */
  instanceId: z.string().optional(),
};

/** Other spellings accepted for `kind` (kebab-case, as some callers write them). */
export const FAULT_KIND_ALIASES = Object.freeze({
  "not-found": "notFound",
  "server-error": "serverError",
  "job-fails": "failJob",
  "fail-job": "failJob",
  "job-hangs": "hangJob",
  "hang-job": "hangJob",
  "job-duration": "jobDuration",
} as const);
type AliasKind = keyof typeof FAULT_KIND_ALIASES;

const FaultUnion = z.discriminatedUnion("kind", [
  /** 404 "job not found yet" (or instance not found), without doing anything. */
  z.object({ ...common, kind: z.literal("notFound") }),
  /** 429 `APIGW.0308` with `Retry-After: retryAfterSec` (default 1). */
  z.object({ ...common, kind: z.literal("throttle"), retryAfterSec: z.number().int().nonnegative().optional() }),
  /**
   * 500/502/503/504 with a DCS-style body. `before` (default): nothing was done. `after`: the request
   * WAS processed (a start call started its job), then the 5xx is answered: the gateway's ambiguous 502.
   */
  z.object({
    ...common,
    kind: z.literal("serverError"),
    status: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]).optional(),
    when: z.enum(["before", "after"]).optional(),
  }),
  /**
   * Destroy the socket without answering. `before`: nothing happened. `after` (default): the request
   * WAS processed (a start call started its job), only the answer is lost: the ambiguous outcome.
   */
  z.object({ ...common, kind: z.literal("drop"), when: z.enum(["before", "after"]).optional() }),
  /**
   * Answer `ms` late. `after` (default): process at once, hold the answer. `before`: wait, then
   * process (even if the client has gone by then, like a real server that got the whole request).
   */
  z.object({ ...common, kind: z.literal("delay"), ms: z.number().int().nonnegative(), when: z.enum(["before", "after"]).optional() }),
  /** Process normally, then send a 200 whose JSON body is cut in half. */
  z.object({ ...common, kind: z.literal("malformed") }),
  /**
   * The next started job ends in FAIL with this reason (after `durationMs`, default the type's duration);
   * its task-center item carries `errorCode` (default `DCS.5000`, the emulator's choice).
   */
  z.object({
    ...common,
    kind: z.literal("failJob"),
    failReason: z.string().min(1),
    durationMs: z.number().nonnegative().optional(),
    errorCode: z.string().min(1).optional(),
  }),
  /** The next started job stays RUNNING forever (the instance stays busy until `reset()`). */
  z.object({ ...common, kind: z.literal("hangJob") }),
  /** The next started job takes `durationMs` instead of the type's duration. */
  z.object({ ...common, kind: z.literal("jobDuration"), durationMs: z.number().nonnegative() }),
]);

/** Every fault kind, validated (the admin route takes the same JSON); aliases are mapped first. */
export const FaultSchema = z.preprocess((v) => {
  if (v && typeof v === "object" && !Array.isArray(v)) {
    const kind = (v as { kind?: unknown }).kind;
    if (typeof kind === "string" && Object.hasOwn(FAULT_KIND_ALIASES, kind)) return { ...v, kind: FAULT_KIND_ALIASES[kind as AliasKind] };
  }
  return v;
}, FaultUnion);

/** A fault, as given to `inject()`, the `faults` option or `POST /_emulator/faults`. */
export type Fault =
  | z.input<typeof FaultUnion>
  | {
      kind: AliasKind;
      route: RouteName | "*";
      times?: number | "always";
      instanceId?: string;
      failReason?: string;
      durationMs?: number;
      errorCode?: string;
      status?: 500 | 502 | 503 | 504;
      when?: "before" | "after";
    };
type ParsedFault = z.output<typeof FaultUnion>;

/** Faults that change one answer. */
export type RequestFault = Extract<ParsedFault, { kind: "notFound" | "throttle" | "serverError" | "drop" | "delay" | "malformed" }>;
/** Faults that change one started job. */
export type JobFault = Extract<ParsedFault, { kind: "failJob" | "hangJob" | "jobDuration" }>;

const JOB_KINDS = new Set(["failJob", "hangJob", "jobDuration"]);

/** Validates one fault or a list; throws an Error naming the bad field. */
export function parseFaults(input: unknown): ParsedFault[] {
  const list = Array.isArray(input) ? input : [input];
  return list.map((f, n) => {
    const r = FaultSchema.safeParse(f);
    if (!r.success) {
      const why = r.error.issues.map((i) => `${i.path.join(".") || "(fault)"}: ${i.message}`).join("; ");
      throw new Error(`Invalid fault${list.length > 1 ? ` #${n}` : ""}: ${why}`);
    }
    return r.data;
  });
}

interface Armed {
  id: number;
  fault: ParsedFault;
  /** Hits left; Infinity for "always". */
  left: number;
}

/** A fault as listed by the admin route. */
export interface ArmedFaultView {
  id: number;
  left: number | "always";
  fault: ParsedFault;
}

/** The armed faults, first armed first hit. */
export class FaultRegistry {
  private armed: Armed[] = [];
  private nextId = 1;
  private fired: Array<{ id: number; kind: string; route: string }> = [];

  /** Arms faults; returns their IDs. */
  add(input: unknown): number[] {
    return parseFaults(input).map((fault) => {
      const id = this.nextId++;
      this.armed.push({ id, fault, left: fault.times === "always" ? Infinity : (fault.times ?? 1) });
      return id;
    });
  }

  clear(): void {
    this.armed = [];
  }

  list(): ArmedFaultView[] {
    return this.armed.map((a) => ({ id: a.id, left: a.left === Infinity ? "always" : a.left, fault: a.fault }));
  }

  /** Faults that have fired so far, in order (for stats). */
  firedLog(): ReadonlyArray<{ id: number; kind: string; route: string }> {
    return this.fired;
  }

  resetLog(): void {
    this.fired = [];
  }

  /** The first armed request fault for this route (and instance), consumed. */
  takeRequestFault(routeName: RouteName, instanceId?: string): RequestFault | undefined {
    return this.take(routeName, instanceId, (f) => !JOB_KINDS.has(f.kind)) as RequestFault | undefined;
  }

  /** The job faults for a job started by this route: one outcome (fail/hang) and one duration, consumed. */
  takeJobFaults(routeName: RouteName, instanceId: string): { outcome?: Extract<JobFault, { kind: "failJob" | "hangJob" }>; duration?: Extract<JobFault, { kind: "jobDuration" }> } {
    const outcome = this.take(routeName, instanceId, (f) => f.kind === "failJob" || f.kind === "hangJob") as
      | Extract<JobFault, { kind: "failJob" | "hangJob" }>
      | undefined;
    const duration = this.take(routeName, instanceId, (f) => f.kind === "jobDuration") as Extract<JobFault, { kind: "jobDuration" }> | undefined;
    return { ...(outcome ? { outcome } : {}), ...(duration ? { duration } : {}) };
  }

  private take(routeName: RouteName, instanceId: string | undefined, want: (f: ParsedFault) => boolean): ParsedFault | undefined {
    const i = this.armed.findIndex(
      (a) =>
        want(a.fault) &&
        (a.fault.route === "*" || a.fault.route === routeName) &&
        (a.fault.instanceId === undefined || a.fault.instanceId === instanceId),
    );
    if (i < 0) return undefined;
    const a = this.armed[i]!;
    a.left -= 1;
    if (a.left <= 0) this.armed.splice(i, 1);
    this.fired.push({ id: a.id, kind: a.fault.kind, route: routeName });
    return a.fault;
  }
}
