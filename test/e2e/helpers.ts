/** Shared set-up for the end-to-end tests: an emulator, a fresh stack folder, credentials as stack config. */
import * as fs from "node:fs";
import type { PulumiFn } from "@pulumi/pulumi/automation";
import { startEmulator } from "../../provider/emulator";
import { dcsStackConfig, makeWorkDir, openStack, type EngineStack } from "../../scripts/lib/engine";

export type Emulator = Awaited<ReturnType<typeof startEmulator>>;

export interface E2eStack extends EngineStack {
  workDir: string;
  /** Everything the engine printed, across every operation on this stack. */
  output: string[];
  cleanup(): Promise<void>;
}

/** Opens a new stack, pointed at the emulator through `dcs:` config (the secret key as a secret). */
export async function e2eStack(name: string, emulator: Emulator, program: PulumiFn): Promise<E2eStack> {
  const workDir = makeWorkDir(name);
  const engine = await openStack({
    stackName: name,
    projectName: `e2e-${name}`,
    workDir,
    program,
    config: dcsStackConfig(emulator),
  });
  return {
    ...engine,
    workDir,
    output: [],
    cleanup: async () => {
      for (const pid of engine.cliPids()) process.kill(pid, "SIGKILL");
      try {
        await engine.stack.destroy();
      } catch {
        /* a failed test may leave nothing to destroy */
      }
      await engine.dispose();
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
}

export function haInstance(emulator: Emulator): string {
  const ha = emulator.instances.find((i) => i.cache_mode === "ha");
  if (!ha) throw new Error("emulator has no ha instance");
  return ha.instance_id;
}

export async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The stacks one test file opens against its emulator: `open` makes one (the emulator is read when it is
 * called, so it may be started in `beforeAll`), `cleanupAll` destroys them all (in `afterEach`).
 */
export function stackPool(emulator: () => Emulator): { open(name: string, program: PulumiFn): Promise<E2eStack>; cleanupAll(): Promise<void> } {
  const stacks: E2eStack[] = [];
  return {
    open: async (name, program) => {
      const s = await e2eStack(name, emulator(), program);
      stacks.push(s);
      return s;
    },
    cleanupAll: async () => {
      while (stacks.length) await stacks.pop()!.cleanup();
    },
  };
}

/** A stack output's value (the Automation API wraps each in `{ value, secret }`). */
export const outputValue = (outputs: Record<string, { value: unknown }>, key: string): unknown => outputs[key]?.value;

/** Lets a manual clock run at wall-clock speed until the returned function is called. */
export function tickAtWallSpeed(clock: { advance(ms: number): unknown }): () => void {
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    clock.advance(now - last);
    last = now;
  }, 50);
  return () => clearInterval(timer);
}
