/**
 * `waitForDcsJob`, the function form, in a program under `pulumi.runtime.setMocks`: no API call during
 * preview (the result is unknown), a real wait against the emulator during an update.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DcsClient } from "../provider/client";
import { EMULATOR_INSTANCE_IDS as IDS, startEmulator, type RunningEmulator } from "../provider/emulator";
import { waitForDcsJob } from "../provider/resources";
import * as rt from "../provider/resources/runtime";

let emu: RunningEmulator;
const mocks: pulumi.runtime.Mocks = {
  newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
  call: (args) => args.inputs,
};

beforeAll(async () => {
  emu = await startEmulator({ jobDurations: { masterStandbySwapJob: 300 }, jobInitMs: 50 });
  rt.resetRuntime();
  rt.setRuntimeOverrides({
    env: { HW_DCS_ENDPOINT: emu.url, HW_PROJECT_ID: emu.projectId, HW_ACCESS_KEY: emu.accessKey, HW_SECRET_KEY: emu.secretKey },
    wait: { firstDelayMs: 50, maxIntervalMs: 100 },
    log: () => undefined,
  });
});
afterAll(async () => {
  rt.resetRuntime();
  await emu.stop();
});

function settle<T>(o: pulumi.Output<T>): Promise<{ known: boolean; value: T | undefined }> {
  return new Promise((resolve) => {
    void (o as unknown as { isKnown: Promise<boolean> }).isKnown.then((known) => {
      if (!known) return resolve({ known, value: undefined });
      o.apply((value) => resolve({ known, value }));
    });
  });
}

describe("waitForDcsJob", () => {
  it("during preview: unknown, and no API call", async () => {
    await pulumi.runtime.setMocks(mocks, "proj", "stack", true);
    const before = emu.stats().total;
    const r = await settle(waitForDcsJob({ jobId: "ff8080818822bbf70188235afc24141a" }));
    expect(r.known).toBe(false);
    expect(emu.stats().total).toBe(before);
  });

  it("during an update: waits for the job and resolves to its outputs", async () => {
    await pulumi.runtime.setMocks(mocks, "proj", "stack", false);
    const client = new DcsClient({ endpoint: emu.url, projectId: emu.projectId, credentials: { accessKey: emu.accessKey, secretKey: emu.secretKey } }, {});
    const started = await client.swapMasterStandby(IDS.ha);
    const r = await settle(waitForDcsJob({ jobId: started.jobId, instanceId: IDS.ha }));
    expect(r.known).toBe(true);
    expect(r.value).toMatchObject({ jobId: started.jobId, jobType: "masterStandbySwapJob", status: "SUCCESS", adopted: false });
  });
});
