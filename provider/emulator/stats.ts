/** Call counters and the start-call log, so tests can assert "exactly one start call". */
import { ROUTE_NAMES, type RouteName } from "./faults";

/** One operation the emulator actually started (a job was created, or a synchronous swap happened). */
export interface StartRecord {
  /** Emulated time of the start (epoch ms) and as ISO-8601. */
  at: number;
  atIso: string;
  route: RouteName;
  instanceId: string;
  jobType: string;
  /** The job ID (the synchronous swap's bookkeeping job for `swapSync`). */
  jobId: string;
  /** The `X-Request-Id` of the request that started it (the client may never have seen it). */
  requestId: string;
}

/** A snapshot of the counters. */
export interface EmulatorStats {
  /** API requests received (admin routes not included). */
  total: number;
  /** Per route name; `unknown` for paths no route matches. */
  byRoute: Record<RouteName | "unknown", number>;
  /** Per HTTP method (API requests only). */
  byMethod: Record<string, number>;
  /** Per answered status code; `dropped` for connections destroyed without an answer. */
  byStatus: Record<string, number>;
  /** Admin requests (`/_emulator/...`). */
  admin: number;
  /** Every operation started, in order (a refused or dropped-before call is not one). */
  startCalls: StartRecord[];
  faultsFired: Array<{ id: number; kind: string; route: string }>;
}

function emptyByRoute(): Record<RouteName | "unknown", number> {
  return Object.fromEntries([...ROUTE_NAMES, "unknown"].map((n) => [n, 0])) as Record<RouteName | "unknown", number>;
}

export class StatsCollector {
  private total = 0;
  private byRoute = emptyByRoute();
  private byMethod: Record<string, number> = {};
  private byStatus: Record<string, number> = {};
  private admin = 0;
  private startCalls: StartRecord[] = [];

  request(route: RouteName | "unknown", method: string): void {
    this.total++;
    this.byRoute[route]++;
    this.byMethod[method] = (this.byMethod[method] ?? 0) + 1;
  }

  answered(status: number | "dropped"): void {
    const k = String(status);
    this.byStatus[k] = (this.byStatus[k] ?? 0) + 1;
  }

  adminRequest(): void {
    this.admin++;
  }

  started(r: StartRecord): void {
    this.startCalls.push(r);
  }

  snapshot(faultsFired: ReadonlyArray<{ id: number; kind: string; route: string }>): EmulatorStats {
    return {
      total: this.total,
      byRoute: { ...this.byRoute },
      byMethod: { ...this.byMethod },
      byStatus: { ...this.byStatus },
      admin: this.admin,
      startCalls: this.startCalls.map((s) => ({ ...s })),
      faultsFired: faultsFired.map((f) => ({ ...f })),
    };
  }

  reset(): void {
    this.total = 0;
    this.byRoute = emptyByRoute();
    this.byMethod = {};
    this.byStatus = {};
    this.admin = 0;
    this.startCalls = [];
  }
}
