/**
 * The runner's side of the engine driver (driver.ts): forks it on demand, sends commands, collects the
 * engine's output as it streams, and kills it (with the CLI it started) when a trial kills `pulumi up`.
 */
import { fork, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import type { CommandRequest, DriverMessage, OpenRequest } from "./driver";
import type { Wanted } from "./plan";
import { alive, signal, waitGone } from "./procs";

export interface CommandResult {
  ok: boolean;
  /** Everything the engine printed for this command, and the error. */
  text: string;
  outputs?: Record<string, unknown>;
  changes?: Record<string, number>;
  state?: string;
  programRuns?: string[];
  /** The driver died (was killed) before it answered. */
  killed?: boolean;
}

interface Pending {
  chunks: string[];
  resolve: (r: CommandResult) => void;
}

export class EngineDriver {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private opened = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** The driver processes' own stderr (warnings), last few KB, for failure reports. */
  stderr = "";
  /** How many driver processes were started. */
  starts = 0;

  constructor(private readonly open: Omit<OpenRequest, "type">) {}

  /** The running driver's PID (the parent of the `pulumi` CLI), if any. */
  pid(): number | undefined {
    return this.child && this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  private ensure(): Promise<void> {
    if (this.ready && this.pid() !== undefined) return this.ready;
    const child = fork(path.join(__dirname, "driver.ts"), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "ignore", "pipe", "ipc"], env: process.env });
    this.child = child;
    this.starts++;
    child.stderr?.on("data", (d: Buffer) => {
      this.stderr = (this.stderr + d.toString("utf8")).slice(-8_000);
    });
    child.on("message", (raw) => this.onMessage(raw as DriverMessage));
    child.on("exit", () => {
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.resolve({ ok: false, killed: true, text: p.chunks.join("") + "\n(the engine driver ended before the command did)" });
      }
    });
    this.ready = new Promise<void>((resolve, reject) => {
      const onOpen = (raw: unknown) => {
        const m = raw as DriverMessage;
        if (m.type === "opened") {
          child.off("message", onOpen);
          this.opened = true;
          resolve();
        } else if (m.type === "open-failed") {
          child.off("message", onOpen);
          reject(new Error(`the engine driver could not open the stack: ${m.error}`));
        }
      };
      child.on("message", onOpen);
      child.once("exit", (code, sig) => reject(new Error(`the engine driver exited (${code ?? sig}) before opening the stack: ${this.stderr.slice(-2_000)}`)));
      // Config goes in once: later drivers find it in the stack's file.
      const { config, ...rest } = this.open;
      const req: OpenRequest = { type: "open", ...rest, ...(this.opened ? {} : config ? { config } : {}) };
      child.send(req);
    });
    return this.ready;
  }

  private onMessage(m: DriverMessage): void {
    if (m.type === "chunk") this.pending.get(m.id)?.chunks.push(m.text);
    else if (m.type === "done") {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      const { type: _t, id: _i, error, ...rest } = m;
      p.resolve({ ...rest, text: p.chunks.join("") + (error ? `\n${error}` : "") });
    }
  }

  /** Runs one command in the driver (starting one if needed). Never rejects: a failure is `ok: false`. */
  async run(cmd: CommandRequest["cmd"], want: Wanted): Promise<CommandResult> {
    try {
      await this.ensure();
    } catch (err) {
      return { ok: false, text: String(err) };
    }
    const id = this.nextId++;
    return new Promise<CommandResult>((resolve) => {
      this.pending.set(id, { chunks: [], resolve });
      const req: CommandRequest = { type: "command", id, cmd, want };
      this.child!.send(req);
    });
  }

  /** Kills the driver (its inline program with it); the next command starts a fresh one. */
  async kill(): Promise<void> {
    const pid = this.pid();
    this.ready = undefined;
    if (pid === undefined) return;
    signal([pid], "SIGKILL");
    await waitGone([pid], 5_000);
    while (this.child && this.child.exitCode === null && this.child.signalCode === null && alive(pid)) await new Promise((r) => setTimeout(r, 20));
  }
}
