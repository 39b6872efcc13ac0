/** The operation table and its request checks: refused before any call, with the field named. */
import { describe, expect, it } from "vitest";
import { checkBody, checkPathValues, fillPath, operation, OPERATIONS, parseFreePath } from "../provider/operations";

const INSTANCE = "8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e01";
const GROUP = "1b9c0d2e-3f4a-4b5c-8d6e-7f8091a2b3c4";
const NODE = "2c0d1e3f-4a5b-4c6d-9e7f-8091a2b3c4d5";

describe("the table", () => {
  it("has the twelve job-returning operations of the vendor SDK, each with a unique name and CLI command", () => {
    expect(OPERATIONS).toHaveLength(12);
    expect(new Set(OPERATIONS.map((o) => o.name)).size).toBe(12);
    expect(new Set(OPERATIONS.map((o) => o.cli)).size).toBe(12);
    for (const o of OPERATIONS) {
      expect(o.path.startsWith("/v2/{project_id}/")).toBe(true);
      // Every path parameter is in the path, in order, and nothing else is.
      expect([...o.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).filter((n) => n !== "project_id")).toEqual([...o.pathParams]);
      if ("exampleBody" in o) expect(checkBody(o, o.exampleBody)).toEqual([]);
    }
  });
});

describe("checkPathValues", () => {
  const sw = operation("ExecuteClusterSwitchover");
  it.each([
    [{ instance_id: INSTANCE, group_id: GROUP, node_id: NODE }, []],
    [{ instance_id: INSTANCE, group_id: "shard-1", node_id: NODE }, ["group_id"]],
    [{ instance_id: INSTANCE, group_id: GROUP }, ["node_id"]],
    [{ instance_id: "nope", group_id: GROUP, node_id: "x" }, ["instance_id", "node_id"]],
  ])("%j -> problems in %j", (values, fields) => {
    const problems = checkPathValues(sw, values);
    expect(problems.map((p) => p.field)).toEqual(fields);
    for (const p of problems) expect(p.reason).toMatch(/UUID/);
  });

  it("fills the path, encoding each value", () => {
    expect(fillPath(operation("UpdateSslSwitch"), "p123", { instance_id: INSTANCE })).toBe(`/v2/p123/instances/${INSTANCE}/ssl`);
    expect(() => fillPath(operation("UpdateSslSwitch"), "p", { instance_id: "../x" })).toThrow(/instance_id must be a UUID/);
  });
});

describe("checkBody (the SDK's request model, field names exact)", () => {
  it.each<[string, unknown, string[]]>([
    ["UpdateSslSwitch", { enabled: true }, []],
    ["UpdateSslSwitch", {}, ["body.enabled"]],
    ["UpdateSslSwitch", { enable: true }, ["body.enabled", "body"]],
    ["UpdateSslSwitch", { enabled: "yes" }, ["body.enabled"]],
    ["UpdateAclAccount", { account_role: "admin" }, ["body.account_role"]],
    ["UpdateIpWhitelistAsync", { enable_whitelist: true, whitelist: [{ group_name: "a", ip_list: [1] }] }, ["body.whitelist[0].ip_list[0]"]],
    ["UpdateInstanceConfig", { redis_config: [{ param_name: "timeout", param_value: "1" }] }, ["body.redis_config[0].param_id"]],
    ["ChangeMasterStandbyAsync", { anything: 1 }, ["body"]],
    ["ChangeMasterStandbyAsync", undefined, []],
  ])("%s %j -> %j", (name, body, fields) => {
    const problems = checkBody(operation(name as never), body);
    expect(problems.map((p) => p.field).sort()).toEqual([...fields].sort());
    for (const p of problems) expect(p.reason).toContain(name);
  });

  it("names unknown fields as not in the SDK's model", () => {
    expect(checkBody(operation("UpdateSslSwitch"), { enabled: true, enable_ssl: true })[0]!.reason).toMatch(/unknown field "enable_ssl" \(not in the SDK's request model\)/);
  });
});

describe("parseFreePath (the generic DcsOperation)", () => {
  it("recognises a table operation and its path values", () => {
    const r = parseFreePath("post", `/v2/{project_id}/instance/${INSTANCE}/groups/${GROUP}/replications/${NODE}/async-switchover`);
    expect(r.problems).toEqual([]);
    expect(r.path?.operation?.name).toBe("ExecuteClusterSwitchover");
    expect(r.path?.values).toEqual({ instance_id: INSTANCE, group_id: GROUP, node_id: NODE });
  });

  it("takes a path the table does not know (e.g. bandwidths), finding its instance", () => {
    const r = parseFreePath("PUT", `/v2/{project_id}/instances/${INSTANCE}/bandwidths`);
    expect(r.problems).toEqual([]);
    expect(r.path?.operation).toBeUndefined();
    expect(r.path?.instanceId).toBe(INSTANCE);
  });

  it.each([
    ["GET", `/v2/{project_id}/instances/${INSTANCE}/ssl`, "method"],
    ["PUT", `/v3/{project_id}/instances/${INSTANCE}/ssl`, "path"],
    ["PUT", `/v2/0123/instances/${INSTANCE}/ssl`, "path"],
    ["PUT", `/v2/{project_id}/instances/${INSTANCE}/../ssl`, "path"],
    ["PUT", `/v2/{project_id}/instances/${INSTANCE}/ssl?x=1`, "path"],
    ["PUT", `/v2/{project_id}/instances//ssl`, "path"],
    ["POST", `/v2/{project_id}/instance/${INSTANCE}/groups/not-a-uuid/replications/${NODE}/async-switchover`, "group_id"],
  ])("%s %s -> a problem with %s", (method, path, field) => {
    expect(parseFreePath(method, path).problems.map((p) => p.field)).toContain(field);
  });
});
