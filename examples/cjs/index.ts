// A CommonJS Pulumi program (no "type": "module"): Pulumi compiles it with its bundled TypeScript support.
import * as pulumi from "@pulumi/pulumi";
import { ClientIpPassThrough, DcsJob, MasterStandbySwap } from "pulumi-dcs-jobs";

const config = new pulumi.Config();
const instanceId = config.require("instanceId");

const swap = new MasterStandbySwap("swap", {
  instanceId,
  triggers: [config.get("maintenanceWindow") ?? "2026-11"],
  waitTimeout: "20m",
});
const clientIp = new ClientIpPassThrough("client-ip", { instanceId, enabled: true }, { dependsOn: [swap] });
const swapJob = new DcsJob("swap-job", { jobId: swap.jobId, instanceId });

export const summary = { swapJob: swapJob.jobId, status: swapJob.status, master: swap.masterNode, passThrough: clientIp.enabled };
