/**
 * `InstanceWhitelist` (UpdateIpWhitelistAsync): the IP whitelist groups and whether the whitelist is
 * on; the value is ShowIpWhitelist's. Groups compare as sets (order of groups and of addresses does not
 * matter). Terraform's `huaweicloud_dcs_instance` `whitelists` / `whitelist_enable`.
 */
import { operation } from "../../operations";
import { stateProvider } from "../kinds";
import { LOCATION_SPEC, runCheck, stableJson, validators, type CheckResult } from "../logic";
import type { StateInputs, StateSpec } from "../state";

/** One whitelist group. */
export interface WhitelistGroup {
  name: string;
  ips: string[];
}

/** Inputs of `InstanceWhitelist`. */
export interface WhitelistInputs extends StateInputs {
  enabled: boolean;
  groups: WhitelistGroup[];
}

interface WhitelistValue {
  enabled: boolean;
  groups: WhitelistGroup[];
}

const op = operation("UpdateIpWhitelistAsync");

/** The value in a canonical order, so that two equal whitelists compare equal. */
export function canonicalWhitelist(v: WhitelistValue): WhitelistValue {
  return { enabled: v.enabled, groups: v.groups.map((g) => ({ name: g.name, ips: [...g.ips].sort() })).sort((a, b) => a.name.localeCompare(b.name)) };
}

export const whitelistSpec: StateSpec<WhitelistInputs, WhitelistValue> = {
  type: "InstanceWhitelist",
  taskName: op.task.name,
  what: () => "Setting the IP whitelist",
  read: async (api, i, deadline) => {
    const w = await api.showWhitelist(i.instanceId, { deadline });
    return { enabled: w.enabled, groups: w.groups };
  },
  matches: (live, wanted) => stableJson(canonicalWhitelist(live)) === stableJson(canonicalWhitelist(wanted)),
  start: (api, i, wanted, o) =>
    api.startOperation(op, { instance_id: i.instanceId }, { enable_whitelist: wanted.enabled, whitelist: wanted.groups.map((g) => ({ group_name: g.name, ip_list: g.ips })) }, o),
  show: (v) => `whitelist ${v.enabled ? "on" : "off"} with ${v.groups.length} group(s)`,
};

const IP_OR_CIDR = /^(\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?$/;

export function checkWhitelist(news: Record<string, unknown>): CheckResult<WhitelistInputs> {
  return runCheck<WhitelistInputs>(
    news,
    {
      instanceId: { required: true, validate: validators.instanceId },
      enabled: { required: true, validate: validators.boolean("enabled") },
      groups: {
        required: true,
        validate: (v) => {
          if (!Array.isArray(v)) throw new TypeError('groups must be a list of { name, ips }, e.g. [{ name: "app", ips: ["10.0.0.0/24"] }].');
          v.forEach((g, n) => {
            const grp = g as Partial<WhitelistGroup>;
            if (!grp || typeof grp.name !== "string" || grp.name === "") throw new TypeError(`groups[${n}].name must be a non-empty string.`);
            if (!Array.isArray(grp.ips)) throw new TypeError(`groups[${n}].ips must be a list of IP addresses or CIDR ranges.`);
            grp.ips.forEach((ip, k) => {
              if (typeof ip !== "string" || !IP_OR_CIDR.test(ip)) throw new TypeError(`groups[${n}].ips[${k}] must be an IPv4 address or CIDR range such as "10.0.0.0/24"; got ${JSON.stringify(ip)}.`);
            });
          });
        },
      },
      waitTimeout: { required: false, validate: validators.duration("waitTimeout") },
      ...LOCATION_SPEC,
    },
    "InstanceWhitelist",
  );
}

/** The `InstanceWhitelist` provider implementation. */
export const instanceWhitelist = stateProvider<WhitelistInputs, WhitelistValue>({
  spec: whitelistSpec,
  check: checkWhitelist,
  wanted: (i) => ({ enabled: i.enabled, groups: i.groups }),
  valueKeys: ["enabled", "groups"],
  withValue: (i, v) => ({ ...i, enabled: v.enabled, groups: v.groups }),
});
