/**
 * The processes of one `pulumi up`: the CLI this process started and everything under it (the launcher shell
 * and the dynamic-provider host). Linux only (`ps`, `/proc`), like the rest of the engine tooling.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { cliPids } from "../lib/engine";

/** Every descendant of `pid` (children first, then theirs), from one `ps` snapshot. */
export function descendants(pid: number): number[] {
  let out = "";
  try {
    out = execFileSync("ps", ["-e", "-o", "pid=,ppid="], { encoding: "utf8" });
  } catch {
    return [];
  }
  const kids = new Map<number, number[]>();
  for (const line of out.trim().split("\n")) {
    const [p, pp] = line.trim().split(/\s+/).map(Number);
    if (p === undefined || pp === undefined || Number.isNaN(p)) continue;
    if (!kids.has(pp)) kids.set(pp, []);
    kids.get(pp)!.push(p);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const x = queue.shift()!;
    for (const k of kids.get(x) ?? []) {
      found.push(k);
      queue.push(k);
    }
  }
  return found;
}

/** True while the process exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The state follows the command name in parentheses (which may itself contain spaces).
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

export function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const p of pids) {
    try {
      process.kill(p, sig);
    } catch {
      // already gone
    }
  }
}

/** Waits until none of `pids` is alive; returns those still alive at the deadline. */
export async function waitGone(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const left = pids.filter(alive);
    if (left.length === 0 || Date.now() >= end) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The CLI (a child of `parent`) and its whole tree, as one list (the CLI first). */
export function engineTree(parent: number = process.pid): number[] {
  const clis = cliPids(parent);
  return clis.flatMap((c) => [c, ...descendants(c)]);
}
