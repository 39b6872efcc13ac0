// An ES-module Pulumi program ("type": "module" in package.json). Pulumi runs ESM TypeScript through ts-node's
// ESM loader, which it takes from the project: ts-node 10 must be a dependency here (see package.json).
// The package is CommonJS; its named exports import into ESM as usual.
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

// Top-level await works in an ES module program.
const stack = await Promise.resolve(pulumi.getStack());

export const summary = { stack, swapJob: swapJob.jobId, status: swapJob.status, master: swap.masterNode, passThrough: clientIp.enabled };
