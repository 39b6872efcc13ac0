/**
 * Keeps the inline programs of killed `up`s from reaching into the next one.
 *
 * A user's `pulumi up` is a process of its own: kill it and its program is gone. Here every program runs
 * inline in the runner's process (Automation API), and killing the CLI does not stop it: its resource
 * registrations wait on the dead engine until gRPC gives up (`14 UNAVAILABLE`). Meanwhile the next `up`'s
 * program runs in the same process, and the SDK keeps part of its state process-wide: the uncaught-error
 * handlers (a late rejection of the killed program failed the next `up` with "One or more errors occurred:
 * 14 UNAVAILABLE: No connection established") and the monitor connection (a late disconnect of the killed
 * program can cut the next program off the engine, which then sees no resources and deletes them).
 *
 * So the runner counts the programs in flight (the Automation API's language server `run`, wrapped once)
 * and, before each engine command, waits until the killed ones have ended.
 */
import { createRequire } from "node:module";
import * as path from "node:path";

let inFlight = 0;
let patched = false;

/** The SDK's per-run store (runtime/state.js `LocalStore`): the parts used here. */
interface RunStore {
  settings?: { monitor?: { close(): void }; engine?: { close(): void } };
}
const stores: RunStore[] = [];

/**
 * Call from inside the program: remembers the run's store (the SDK keeps it in an AsyncLocalStorage on
 * `global.asyncLocalStorage`), so that a killed run's engine connections can be closed later.
 */
export function rememberThisRun(): void {
  const als = (globalThis as { asyncLocalStorage?: { getStore(): unknown } }).asyncLocalStorage;
  const store = als?.getStore() as RunStore | undefined;
  if (store) stores.push(store);
}

/**
 * Closes the engine connections of every run remembered so far (call only when no engine command runs:
 * after a kill). Their calls waiting on the dead engine then fail, and the programs end.
 */
export function closeRememberedRuns(): void {
  for (const store of stores.splice(0)) {
    for (const client of [store.settings?.monitor, store.settings?.engine]) {
      try {
        client?.close();
      } catch {
        // already closed
      }
    }
  }
}

interface LanguageServerLike {
  prototype: { run: (this: unknown, ...args: unknown[]) => unknown };
}

/** Wraps `LanguageServer.run` of the Automation API this process uses (idempotent). */
export function trackInlinePrograms(): void {
  if (patched) return;
  // The same module the engine helpers load (scripts/lib/engine.ts imports @pulumi/pulumi/automation).
  const req = createRequire(path.join(__dirname, "..", "lib", "engine.ts"));
  const server = req("@pulumi/pulumi/automation/server") as { LanguageServer: LanguageServerLike };
  const original = server.LanguageServer.prototype.run;
  server.LanguageServer.prototype.run = function (this: unknown, ...args: unknown[]) {
    inFlight++;
    let result: unknown;
    try {
      result = original.apply(this, args);
    } catch (err) {
      inFlight--;
      throw err;
    }
    Promise.resolve(result).then(
      () => inFlight--,
      () => inFlight--,
    );
    return result;
  };
  patched = true;
}

/** Programs of this process still running (a killed `up`'s included). */
export function inlineProgramsInFlight(): number {
  return inFlight;
}

/** Waits until no inline program runs; resolves to the milliseconds waited, or -1 at the timeout. */
export async function waitForInlinePrograms(timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (inFlight > 0) {
    if (Date.now() - t0 >= timeoutMs) return -1;
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - t0;
}
