/**
 * The CLI's commands over the operation table: `run <operation>` starts any of them (same never-twice
 * rules, `--wait`, exit codes and `--json` as `swap`), `operations` lists the table, `tasks` lists an
 * instance's background tasks ("what is running on it?") and `groups` a cluster's shards and replicas.
 */
import { readFileSync } from "node:fs";
import { ConfigError } from "../errors";
import { OPERATIONS, checkBody, checkPathValues, type OperationDef, type PathValues } from "../operations";
import { lookAtTasks, TASK_SKEW_MS } from "../tasks";
import type { CommonFlags } from "./client-options";
import { afterStart, callOptions, openClient, tasksBefore, type StartFlags } from "./commands";
import type { RunContext } from "./context";
import { ExitCode } from "./exit-codes";
import { toJsonText } from "./render";

/** Flags of `run`: the path values and the body. */
export interface RunFlags extends StartFlags {
  instance?: string;
  group?: string;
  node?: string;
  account?: string;
  /** The body as JSON text. */
  body?: string;
  /** A file holding the body as JSON. */
  bodyFile?: string;
}

/** The operation a `run` argument names: its CLI name or its SDK name, any case. */
export function findOperation(name: string): OperationDef {
  const n = name.toLowerCase();
  const op = OPERATIONS.find((o) => o.cli === n || o.name.toLowerCase() === n);
  if (!op) {
    throw new ConfigError(`Unknown operation "${name}". Known: ${OPERATIONS.map((o) => o.cli).join(", ")} (\`dcs-jobs operations\` lists them with their requests).`);
  }
  return op;
}

function bodyOf(flags: RunFlags): unknown {
  if (flags.body !== undefined && flags.bodyFile !== undefined) throw new ConfigError("Give the body once: --body or --body-file, not both.");
  const text = flags.bodyFile !== undefined ? readFileSync(flags.bodyFile, "utf8") : flags.body;
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`--body${flags.bodyFile !== undefined ? "-file" : ""} is not valid JSON (${(e as Error).message}).`);
  }
}

/** `dcs-jobs run <operation> [--instance ID] [--group ID] [--node ID] [--account ID] [--body JSON] [--wait]`. */
export async function runOperationCommand(name: string, flags: RunFlags, c: RunContext): Promise<ExitCode> {
  const op = findOperation(name);
  const values: PathValues = {
    ...(flags.instance !== undefined ? { instance_id: flags.instance } : {}),
    ...(flags.group !== undefined ? { group_id: flags.group } : {}),
    ...(flags.node !== undefined ? { node_id: flags.node } : {}),
    ...(flags.account !== undefined ? { account_id: flags.account } : {}),
  };
  const body = bodyOf(flags);
  // Everything is checked before the client is even built: a bad ID or body sends nothing (exit 2).
  const problems = [...checkPathValues(op, values), ...checkBody(op, body)];
  if (problems.length) throw new ConfigError(problems.map((p) => p.reason.replace(/\b(instance_id|group_id|node_id|account_id)\b/, (m: string) => `${m} (--${m.split("_")[0]})`)).join(" "));
  const instanceId = values.instance_id;
  if (instanceId) c.errorContext.instanceId = instanceId;
  const client = await openClient(flags, c);
  try {
    const known = instanceId ? await tasksBefore(client, instanceId, op.task.name, c) : {};
    if (!flags.quiet) c.diag(`Starting ${op.name}${instanceId ? ` on instance ${instanceId}` : ""}...`);
    c.errorContext.starting = true;
    const started = await client.startOperation(op, values, body, { ...callOptions(c), ...known });
    c.errorContext.starting = false;
    c.errorContext.jobId = started.jobId;
    return await afterStart(client, instanceId ?? "(tenant)", op.name, started, flags, c, op.jobType ?? op.task.name);
  } finally {
    await client.close();
  }
}

/** `dcs-jobs operations`: the table, one line each (or `--json`). */
export function operationsCommand(flags: { json?: boolean }, c: RunContext): ExitCode {
  if (flags.json) {
    c.out(toJsonText((OPERATIONS as readonly OperationDef[]).map((o) => ({ name: o.name, command: o.cli, kind: o.kind, method: o.method, path: o.path, task: o.task.name, resource: o.resource ?? null }))));
    return ExitCode.Ok;
  }
  const rows = OPERATIONS.map((o) => [o.cli, o.kind, `${o.method} ${o.path}`, o.summary]);
  const w = [0, 1, 2].map((k) => Math.max(...rows.map((r) => r[k]!.length)));
  c.out(rows.map((r) => `${r[0]!.padEnd(w[0]!)}  ${r[1]!.padEnd(w[1]!)}  ${r[2]!.padEnd(w[2]!)}  ${r[3]}`).join("\n") + "\n");
  return ExitCode.Ok;
}

/** Flags of `tasks`. */
export interface TasksFlags extends CommonFlags {
  /** How far back to list, ms. */
  sinceMs: number;
}

/** `dcs-jobs tasks <instance-id> [--since 24h]`: the instance's background tasks, newest first, with their job IDs. */
export async function tasksCommand(instanceId: string, flags: TasksFlags, c: RunContext): Promise<ExitCode> {
  c.errorContext.instanceId = instanceId;
  const client = await openClient(flags, c);
  try {
    const t = Date.now();
    const tasks = await lookAtTasks(client, instanceId, { fromMs: t - flags.sinceMs, toMs: t + TASK_SKEW_MS }, { ...callOptions(c), kind: "" });
    tasks.sort((a, b) => b.createdAtMs - a.createdAtMs);
    if (flags.json) {
      c.out(toJsonText(tasks.map((x) => ({ taskId: x.taskId, jobId: x.jobId ?? null, name: x.name, status: x.status, phase: x.phase, createdAt: new Date(x.createdAtMs).toISOString(), updatedAt: x.updatedAtMs ? new Date(x.updatedAtMs).toISOString() : null, user: x.userName ?? null }))));
    } else if (tasks.length === 0) {
      if (!flags.quiet) c.out(`No background tasks on instance ${instanceId} in the last ${Math.round(flags.sinceMs / 3_600_000)} h.\n`);
    } else {
      const running = tasks.filter((x) => x.phase === "running").length;
      const lines = tasks.map((x) => `${new Date(x.createdAtMs).toISOString()}  ${x.status.padEnd(8)}  ${x.name.padEnd(24)}  task ${x.taskId}${x.jobId ? `  job ${x.jobId}` : ""}${x.userName ? `  by ${x.userName}` : ""}`);
      c.out(`${lines.join("\n")}\n${flags.quiet ? "" : `${tasks.length} task(s), ${running} running.\n`}`);
    }
    return ExitCode.Ok;
  } finally {
    await client.close();
  }
}

/** `dcs-jobs groups <instance-id>`: a cluster's shards and replicas (the IDs `run cluster-switchover` needs). */
export async function groupsCommand(instanceId: string, flags: CommonFlags, c: RunContext): Promise<ExitCode> {
  c.errorContext.instanceId = instanceId;
  const client = await openClient(flags, c);
  try {
    const groups = await client.listGroups(instanceId, callOptions(c));
    if (flags.json) c.out(toJsonText(groups));
    else c.out(groups.map((g) => `group ${g.groupId}${g.name ? ` (${g.name})` : ""}\n${g.replicas.map((r) => `  ${(r.role ?? "?").padEnd(7)} node ${r.nodeId ?? "?"}${r.ip ? `  ${r.ip}` : ""}${r.status ? `  ${r.status}` : ""}`).join("\n")}`).join("\n") + "\n");
    return ExitCode.Ok;
  } finally {
    await client.close();
  }
}
