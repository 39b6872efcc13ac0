/**
 * `InstancePublicAccess` (UpdatePublicIp / DeletePublicIp): public access bound or not; the value is
 * ShowInstance's `enable_publicip`. Binding takes an ELB (Redis 4.0 and later: `elbId`) or an EIP
 * (Redis 3.0: `publicipId`, with `enableSsl`), as the SDK's request model says.
 */
import { operation } from "../../operations";
import { stateProvider } from "../kinds";
import { LOCATION_SPEC, runCheck, validators, type CheckResult } from "../logic";
import type { StateInputs, StateSpec } from "../state";

/** Inputs of `InstancePublicAccess`. */
export interface PublicAccessInputs extends StateInputs {
  enabled: boolean;
  /** The ELB to bind (Redis 4.0, 5.0, 6.0 and enterprise editions). */
  elbId?: string;
  /** The EIP to bind (Redis 3.0). */
  publicipId?: string;
  /** Redis 3.0: SSL on the public address. */
  enableSsl?: boolean;
}

const bind = operation("UpdatePublicIp");
const unbind = operation("DeletePublicIp");

export const publicAccessSpec: StateSpec<PublicAccessInputs, boolean> = {
  type: "InstancePublicAccess",
  taskName: (wanted) => (wanted ? bind.task.name : unbind.task.name),
  allTaskNames: [bind.task.name, unbind.task.name],
  what: (wanted) => (wanted ? "Binding public access" : "Unbinding public access"),
  read: async (api, i, deadline) => {
    const v = (await api.showInstance(i.instanceId, { deadline })).raw.enable_publicip;
    return typeof v === "boolean" ? v : undefined;
  },
  start: (api, i, wanted, o) =>
    wanted
      ? api.startOperation(bind, { instance_id: i.instanceId }, { ...(i.elbId ? { elb_id: i.elbId } : {}), ...(i.publicipId ? { publicip_id: i.publicipId } : {}), ...(i.enableSsl !== undefined ? { enable_ssl: i.enableSsl } : {}) }, o)
      : api.startOperation(unbind, { instance_id: i.instanceId }, undefined, o),
  show: (v) => `public access ${v ? "bound" : "unbound"}`,
};

export function checkPublicAccess(news: Record<string, unknown>): CheckResult<PublicAccessInputs> {
  const id = (name: string) => (v: unknown) => {
    if (typeof v !== "string" || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) throw new TypeError(`${name} must be a UUID; got ${typeof v === "string" ? JSON.stringify(v.slice(0, 40)) : `a ${typeof v}`}.`);
  };
  const r = runCheck<PublicAccessInputs>(
    news,
    {
      instanceId: { required: true, validate: validators.instanceId },
      enabled: { required: true, validate: validators.boolean("enabled") },
      elbId: { required: false, validate: id("elbId") },
      publicipId: { required: false, validate: id("publicipId") },
      enableSsl: { required: false, validate: validators.boolean("enableSsl") },
      waitTimeout: { required: false, validate: validators.duration("waitTimeout") },
      ...LOCATION_SPEC,
    },
    "InstancePublicAccess",
  );
  if (!r.failures && news.enabled === true && news.elbId === undefined && news.publicipId === undefined) {
    return { inputs: r.inputs!, failures: [{ property: "elbId", reason: "InstancePublicAccess: binding needs elbId (Redis 4.0 and later) or publicipId (Redis 3.0)." }] };
  }
  return r;
}

/** The `InstancePublicAccess` provider implementation. */
export const instancePublicAccess = stateProvider<PublicAccessInputs, boolean>({
  spec: publicAccessSpec,
  check: checkPublicAccess,
  wanted: (i) => i.enabled,
  valueKeys: ["enabled"],
  withValue: (i, v) => ({ ...i, enabled: v }),
});
