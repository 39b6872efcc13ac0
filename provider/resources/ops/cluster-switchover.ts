/**
 * `ClusterReplicaSwitchover` (ExecuteClusterSwitchover) and `ReplicaIpRemoval` (DeleteIpFromDomainName):
 * actions on one replica of a cluster shard, once per `triggers` value. Terraform's
 * `huaweicloud_dcs_cluster_replica_switch` is the first one.
 */
import { operation } from "../../operations";
import type { ActionInputs, ActionSpec } from "../action";
import { actionProvider } from "../kinds";
import { LOCATION_SPEC, runCheck, validators, type CheckResult, type FieldSpec } from "../logic";

/** Inputs of a replica action: the instance, the shard (group) and the replica (node). */
export interface ReplicaActionInputs extends ActionInputs {
  instanceId: string;
  /** The shard's `group_id` (ListGroupReplicationInfo; `dcs-jobs groups <instance-id>`). */
  groupId: string;
  /** The replica's `node_id`. */
  nodeId: string;
}

const uuid = (name: string): FieldSpec["validate"] => (v) => {
  if (typeof v !== "string" || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) {
    throw new TypeError(`${name} must be a UUID (see ListGroupReplicationInfo, \`dcs-jobs groups <instance-id>\`); got ${typeof v === "string" ? JSON.stringify(v.slice(0, 40)) : `a ${typeof v}`}.`);
  }
};

function checkReplicaAction(type: string) {
  return (news: Record<string, unknown>): CheckResult<ReplicaActionInputs> =>
    runCheck<ReplicaActionInputs>(
      news,
      {
        instanceId: { required: true, validate: validators.instanceId },
        groupId: { required: true, validate: uuid("groupId") },
        nodeId: { required: true, validate: uuid("nodeId") },
        triggers: { required: false, validate: validators.any },
        waitTimeout: { required: false, validate: validators.duration("waitTimeout") },
        adoptWithin: { required: false, validate: validators.duration("adoptWithin", true) },
        adoptFinished: { required: false, validate: validators.boolean("adoptFinished") },
        ...LOCATION_SPEC,
      },
      type,
    );
}

function replicaSpec(type: string, opName: "ExecuteClusterSwitchover" | "DeleteIpFromDomainName", what: string): ActionSpec<ReplicaActionInputs> {
  const op = operation(opName);
  return {
    type,
    taskName: op.task.name,
    what,
    instanceId: (i) => i.instanceId,
    subject: (i) => `${i.instanceId} group ${i.groupId} node ${i.nodeId}`,
    start: (api, i, o) => api.startOperation(op, { instance_id: i.instanceId, group_id: i.groupId, node_id: i.nodeId }, undefined, o),
    optionalInputs: ["triggers", "waitTimeout", "adoptWithin", "adoptFinished", "region", "projectId", "endpoint"],
  };
}

/** The `ClusterReplicaSwitchover` provider implementation. */
export const clusterReplicaSwitchover = actionProvider<ReplicaActionInputs>({
  spec: replicaSpec("ClusterReplicaSwitchover", "ExecuteClusterSwitchover", "The cluster replica switchover"),
  check: checkReplicaAction("ClusterReplicaSwitchover"),
  identity: ["instanceId", "groupId", "nodeId"],
});

/** The `ReplicaIpRemoval` provider implementation. */
export const replicaIpRemoval = actionProvider<ReplicaActionInputs>({
  spec: replicaSpec("ReplicaIpRemoval", "DeleteIpFromDomainName", "Removing the replica's IP from the domain name"),
  check: checkReplicaAction("ReplicaIpRemoval"),
  identity: ["instanceId", "groupId", "nodeId"],
});
