/**
 * The demo stack: one DCS master/standby Redis instance gets its master and standby swapped, then client-IP
 * pass-through turned on. Each step blocks the deploy until its DCS job has ended, and a `DcsJob` shows how
 * another resource can wait on a job ID.
 *
 * Run with `npm run demo` (the real engine, the embedded emulator). Against a real account, set
 * `dcs:region`, `dcs:projectId`, `dcs:accessKey` and `dcs:secretKey` (`--secret`) and `dcs-jobs-demo:haInstanceId`.
 */
import * as pulumi from "@pulumi/pulumi";
import { ClientIpPassThrough, DcsJob, MasterStandbySwap } from "pulumi-dcs-jobs";

export = async () => {
  const config = new pulumi.Config();
  const instanceId = config.require("haInstanceId");

  // Runs once; runs again only when `triggers` change (here: a maintenance-window label).
  const swap = new MasterStandbySwap("swap-primary", {
    instanceId,
    triggers: [config.get("maintenanceWindow") ?? "2026-11-29"],
    waitTimeout: "10m",
  });

  // Same instance: DCS refuses a second operation while the swap runs, so this waits for the swap.
  const passThrough = new ClientIpPassThrough(
    "client-ip-pass-through",
    { instanceId, enabled: true },
    { dependsOn: [swap] },
  );

  // Waits on a job ID produced elsewhere; anything that dependsOn it starts only after the job ended.
  const observed = new DcsJob("swap-job", { jobId: swap.jobId, instanceId });

  return {
    swap: {
      jobId: swap.jobId,
      jobType: swap.jobType,
      status: swap.status,
      beginTime: swap.beginTime,
      endTime: swap.endTime,
      durationMs: swap.durationMs,
      failReason: swap.failReason,
      masterNode: swap.masterNode,
    },
    passThrough: {
      enabled: passThrough.enabled,
      jobId: passThrough.jobId,
      jobType: passThrough.jobType,
      status: passThrough.status,
      beginTime: passThrough.beginTime,
      endTime: passThrough.endTime,
      durationMs: passThrough.durationMs,
      failReason: passThrough.failReason,
    },
    observedSwapJob: { jobId: observed.jobId, status: observed.status, endTime: observed.endTime },
  };
};
