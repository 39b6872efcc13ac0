/**
 * The `dynamic.ResourceProvider` objects. Pulumi serializes each one (closure serialization, by value)
 * into the resource's `__provider` property, and the engine's dynamic-provider host evaluates that text
 * and calls its methods. So every method here is one line that loads `pulumi-dcs-jobs/runtime` *at call
 * time* and delegates: no client, no config, no credentials and no other code is captured, and the
 * serialized text stays small and stable (a stable text also keeps the host's per-text provider cache
 * and `configure` call to one per process).
 *
 * The `require` resolves from the host's working directory (the Pulumi project), where the package is
 * installed. Keep these objects module-level constants: `dynamic.Resource` caches the serialization
 * per provider object.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";

/* eslint-disable @typescript-eslint/no-require-imports */

/** Provider of `MasterStandbySwap`. */
export const masterStandbySwapProvider: dynamic.ResourceProvider = {
  configure: (req) => require("pulumi-dcs-jobs/runtime").configure(req),
  check: (olds, news) => require("pulumi-dcs-jobs/runtime").masterStandbySwap.check(olds, news),
  diff: (id, olds, news) => require("pulumi-dcs-jobs/runtime").masterStandbySwap.diff(id, olds, news),
  create: (inputs) => require("pulumi-dcs-jobs/runtime").masterStandbySwap.create(inputs),
  read: (id, props) => require("pulumi-dcs-jobs/runtime").masterStandbySwap.read(id, props),
  update: (id, olds, news) => require("pulumi-dcs-jobs/runtime").masterStandbySwap.update(id, olds, news),
  delete: (id, props) => require("pulumi-dcs-jobs/runtime").masterStandbySwap.delete(id, props),
};

/** Provider of `ClientIpPassThrough`. */
export const clientIpPassThroughProvider: dynamic.ResourceProvider = {
  configure: (req) => require("pulumi-dcs-jobs/runtime").configure(req),
  check: (olds, news) => require("pulumi-dcs-jobs/runtime").clientIpPassThrough.check(olds, news),
  diff: (id, olds, news) => require("pulumi-dcs-jobs/runtime").clientIpPassThrough.diff(id, olds, news),
  create: (inputs) => require("pulumi-dcs-jobs/runtime").clientIpPassThrough.create(inputs),
  read: (id, props) => require("pulumi-dcs-jobs/runtime").clientIpPassThrough.read(id, props),
  update: (id, olds, news) => require("pulumi-dcs-jobs/runtime").clientIpPassThrough.update(id, olds, news),
  delete: (id, props) => require("pulumi-dcs-jobs/runtime").clientIpPassThrough.delete(id, props),
};

/** Provider of `DcsJob`. */
export const dcsJobProvider: dynamic.ResourceProvider = {
  configure: (req) => require("pulumi-dcs-jobs/runtime").configure(req),
  check: (olds, news) => require("pulumi-dcs-jobs/runtime").dcsJob.check(olds, news),
  diff: (id, olds, news) => require("pulumi-dcs-jobs/runtime").dcsJob.diff(id, olds, news),
  create: (inputs) => require("pulumi-dcs-jobs/runtime").dcsJob.create(inputs),
  read: (id, props) => require("pulumi-dcs-jobs/runtime").dcsJob.read(id, props),
  update: (id, olds, news) => require("pulumi-dcs-jobs/runtime").dcsJob.update(id, olds, news),
  delete: (id, props) => require("pulumi-dcs-jobs/runtime").dcsJob.delete(id, props),
};

/**
 * The provider of a resource of the operation table, by its runtime export name. The serialized text
 * captures only `name` (a string): still one line per method, nothing else. (The three providers above
 * keep their own text, so stacks deployed with 0.1.0 see the same `__provider`.)
 */
function runtimeProvider(name: string): dynamic.ResourceProvider {
  return {
    configure: (req) => require("pulumi-dcs-jobs/runtime").configure(req),
    check: (olds, news) => require("pulumi-dcs-jobs/runtime")[name].check(olds, news),
    diff: (id, olds, news) => require("pulumi-dcs-jobs/runtime")[name].diff(id, olds, news),
    create: (inputs) => require("pulumi-dcs-jobs/runtime")[name].create(inputs),
    read: (id, props) => require("pulumi-dcs-jobs/runtime")[name].read(id, props),
    update: (id, olds, news) => require("pulumi-dcs-jobs/runtime")[name].update(id, olds, news),
    delete: (id, props) => require("pulumi-dcs-jobs/runtime")[name].delete(id, props),
  };
}

/** Provider of `DcsOperation`. */
export const dcsOperationProvider = runtimeProvider("dcsOperation");
/** Provider of `ClusterReplicaSwitchover`. */
export const clusterReplicaSwitchoverProvider = runtimeProvider("clusterReplicaSwitchover");
/** Provider of `ReplicaIpRemoval`. */
export const replicaIpRemovalProvider = runtimeProvider("replicaIpRemoval");
/** Provider of `InstanceSsl`. */
export const instanceSslProvider = runtimeProvider("instanceSsl");
/** Provider of `InstancePublicAccess`. */
export const instancePublicAccessProvider = runtimeProvider("instancePublicAccess");
/** Provider of `InstanceWhitelist`. */
export const instanceWhitelistProvider = runtimeProvider("instanceWhitelist");
/** Provider of `InstanceParameters`. */
export const instanceParametersProvider = runtimeProvider("instanceParameters");
/** Provider of `AclAccountRole`. */
export const aclAccountRoleProvider = runtimeProvider("aclAccountRole");
