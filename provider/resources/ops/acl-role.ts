/**
 * `AclAccountRole` (UpdateAclAccount): an ACL account's role (`read` or `write`), declaratively; the
 * value is ListAclAccounts' `account_role`. Terraform's `huaweicloud_dcs_account` `account_role`.
 */
import { operation } from "../../operations";
import { stateProvider } from "../kinds";
import { LOCATION_SPEC, runCheck, validators, type CheckResult } from "../logic";
import type { StateInputs, StateSpec } from "../state";

/** Inputs of `AclAccountRole`. */
export interface AclRoleInputs extends StateInputs {
  /** The account's `account_id` (ListAclAccounts). */
  accountId: string;
  role: "read" | "write";
}

const op = operation("UpdateAclAccount");

export const aclRoleSpec: StateSpec<AclRoleInputs, "read" | "write"> = {
  type: "AclAccountRole",
  taskName: op.task.name,
  what: (wanted) => `Setting the ACL account's role to ${wanted}`,
  read: async (api, i, deadline) => {
    const account = (await api.listAclAccounts(i.instanceId, { deadline })).find((a) => a.id === i.accountId);
    return account?.role === "read" || account?.role === "write" ? account.role : undefined;
  },
  start: (api, i, wanted, o) => api.startOperation(op, { instance_id: i.instanceId, account_id: i.accountId }, { account_role: wanted }, o),
  show: (v) => `role ${v}`,
};

export function checkAclRole(news: Record<string, unknown>): CheckResult<AclRoleInputs> {
  return runCheck<AclRoleInputs>(
    news,
    {
      instanceId: { required: true, validate: validators.instanceId },
      accountId: {
        required: true,
        validate: (v) => {
          if (typeof v !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(v)) throw new TypeError(`accountId must be an ACL account ID (ListAclAccounts' account_id); got ${JSON.stringify(v)}.`);
        },
      },
      role: {
        required: true,
        validate: (v) => {
          if (v !== "read" && v !== "write") throw new TypeError(`role must be "read" or "write" (the SDK's account_role enum); got ${JSON.stringify(v)}.`);
        },
      },
      waitTimeout: { required: false, validate: validators.duration("waitTimeout") },
      ...LOCATION_SPEC,
    },
    "AclAccountRole",
  );
}

/** The `AclAccountRole` provider implementation. */
export const aclAccountRole = stateProvider<AclRoleInputs, "read" | "write">({
  spec: aclRoleSpec,
  check: checkAclRole,
  wanted: (i) => i.role,
  valueKeys: ["role"],
  withValue: (i, v) => ({ ...i, role: v }),
  identity: ["accountId"],
});
