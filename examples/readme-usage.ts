// The README's usage example, kept compiling by `npm run typecheck` (tsconfig includes examples/).
import * as pulumi from "@pulumi/pulumi";
import { ClientIpPassThrough, DcsJob, MasterStandbySwap, waitForDcsJob } from "pulumi-dcs-jobs";

const instanceId = "5560df16-cebf-4473-95c4-d1b573c16e79"; // a master/standby (ha) instance

// Starts one asynchronous swap and blocks until its job ends. Runs again only when `triggers` change;
// deleting it starts nothing (a swap cannot be undone by deleting).
const swap = new MasterStandbySwap("swap", {
  instanceId,
  triggers: ["2026-11 maintenance"],
  waitTimeout: "20m",                  // default 30m; Pulumi's customTimeouts do not reach dynamic providers
});

// Declarative: starts a job only when the live value differs; `pulumi refresh` shows drift.
const passThrough = new ClientIpPassThrough("client-ip", { instanceId, enabled: true }, { dependsOn: [swap] });

// Waits on a job ID from anywhere (another tool, another resource); dependents wait for it to end.
const job = new DcsJob("swap-job", { jobId: swap.jobId });

// Or, without a resource in state:
export const finished = waitForDcsJob({ jobId: swap.jobId }).status;

export const swapJob = { id: swap.jobId, ended: swap.endTime, took: swap.durationMs, master: swap.masterNode };
