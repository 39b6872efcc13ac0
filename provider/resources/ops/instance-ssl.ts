/**
 * `InstanceSsl` (UpdateSslSwitch): SSL on or off, declaratively; the value is ShowInstance's
 * `enable_ssl`. Terraform's `huaweicloud_dcs_instance` `ssl_enable`. SSL cannot be on together with
 * client IP pass-through: the API refuses, and the error names the conflict.
 */
import { operation } from "../../operations";
import { stateProvider } from "../kinds";
import { LOCATION_SPEC, runCheck, validators, type CheckResult } from "../logic";
import type { StateInputs, StateSpec } from "../state";

/** Inputs of `InstanceSsl`. */
export interface InstanceSslInputs extends StateInputs {
  enabled: boolean;
}

const op = operation("UpdateSslSwitch");

export const sslSpec: StateSpec<InstanceSslInputs, boolean> = {
  type: "InstanceSsl",
  taskName: op.task.name,
  what: (wanted) => `Setting SSL to ${wanted ? "on" : "off"}`,
  read: async (api, i, deadline) => {
    const v = (await api.showInstance(i.instanceId, { deadline })).raw.enable_ssl;
    return typeof v === "boolean" ? v : undefined;
  },
  start: (api, i, wanted, o) => api.startOperation(op, { instance_id: i.instanceId }, { enabled: wanted }, o),
  show: (v) => `SSL ${v ? "on" : "off"}`,
};

export function checkInstanceSsl(news: Record<string, unknown>): CheckResult<InstanceSslInputs> {
  return runCheck<InstanceSslInputs>(
    news,
    {
      instanceId: { required: true, validate: validators.instanceId },
      enabled: { required: true, validate: validators.boolean("enabled") },
      waitTimeout: { required: false, validate: validators.duration("waitTimeout") },
      ...LOCATION_SPEC,
    },
    "InstanceSsl",
  );
}

/** The `InstanceSsl` provider implementation. */
export const instanceSsl = stateProvider<InstanceSslInputs, boolean>({
  spec: sslSpec,
  check: checkInstanceSsl,
  wanted: (i) => i.enabled,
  valueKeys: ["enabled"],
  withValue: (i, v) => ({ ...i, enabled: v }),
});
