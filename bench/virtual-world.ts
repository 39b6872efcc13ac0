/**
 * The benches' world: an emulator on a manual clock, a client of it, and a waiter clock whose sleeps move
 * that clock (virtual time for both sides of the wire: an emulated hour costs no real time).
 */
import { DcsClient } from "../provider/client";
import { ManualClock, startEmulator } from "../provider/emulator";
import type { WaitClock } from "../provider/waiter/wait";

export interface VirtualWorld {
  clock: ManualClock;
  emulator: Awaited<ReturnType<typeof startEmulator>>;
  client: DcsClient;
  virtual: WaitClock;
  close(): Promise<void>;
}

export async function virtualWorld(): Promise<VirtualWorld> {
  const clock = new ManualClock();
  const emulator = await startEmulator({ clock, logLevel: "silent" });
  const client = new DcsClient({
    endpoint: emulator.url,
    projectId: emulator.projectId,
    region: "ap-southeast-1",
    credentials: { accessKey: emulator.accessKey, secretKey: emulator.secretKey },
  });
  const virtual: WaitClock = { now: () => clock.now(), sleep: async (ms) => void clock.advance(Math.max(0, ms)) };
  return {
    clock,
    emulator,
    client,
    virtual,
    close: async () => {
      await client.close();
      await emulator.stop();
    },
  };
}
