/**
 * Stacks that already configure Huawei Cloud's own Pulumi provider (`huaweicloud:region`, `huaweicloud:accessKey`
 * or `access_key`, ...): the dynamic resources use those values when no `dcs:` value is given, and the `dcs:`
 * value always wins. `configure` receives the whole stack config, so `readStackSettings` sees both namespaces.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator, EMULATOR_INSTANCE_IDS as IDS } from "../provider/emulator";
import * as rt from "../provider/resources/runtime";
import { clientOptionsFrom, readStackSettings } from "../provider/resources/settings";

const config = (map: Record<string, string>) => ({ get: (k: string) => map[k] });

describe("huaweicloud: config as a fallback for dcs:", () => {
  it("uses region, project ID and a key pair of Huawei Cloud's provider when dcs: sets none", () => {
    const s = readStackSettings(
      config({ "huaweicloud:region": "ap-southeast-1", "huaweicloud:projectId": "p".repeat(32), "huaweicloud:accessKey": "HWAK", "huaweicloud:secretKey": "HWSK" }),
    );
    expect(s).toEqual({ region: "ap-southeast-1", projectId: "p".repeat(32), accessKey: "HWAK", secretKey: "HWSK" });
    expect(clientOptionsFrom(s, {}).credentials).toEqual({ accessKey: "HWAK", secretKey: "HWSK" });
  });

  it("reads the snake_case keys its docs show (access_key, secret_key, project_id, security_token)", () => {
    const s = readStackSettings(
      config({ "huaweicloud:access_key": "AK2", "huaweicloud:secret_key": "SK2", "huaweicloud:security_token": "TOK", "huaweicloud:project_id": "q".repeat(32) }),
    );
    expect(s).toEqual({ accessKey: "AK2", secretKey: "SK2", securityToken: "TOK", projectId: "q".repeat(32) });
  });

  it("the dcs: value always wins, field by field", () => {
    const s = readStackSettings(
      config({ "dcs:region": "eu-west-101", "huaweicloud:region": "eu-west-101", "dcs:projectId": "d".repeat(32), "huaweicloud:projectId": "h".repeat(32), "dcs:endpoint": "http://127.0.0.1:1" }),
    );
    expect(s).toEqual({ region: "eu-west-101", projectId: "d".repeat(32), endpoint: "http://127.0.0.1:1" });
  });

  it("never mixes a key pair across namespaces: any dcs: credential turns the huaweicloud: ones off", () => {
    expect(readStackSettings(config({ "dcs:accessKey": "DCSAK", "huaweicloud:secretKey": "HWSK", "huaweicloud:accessKey": "HWAK" }))).toEqual({ accessKey: "DCSAK" });
    expect(readStackSettings(config({ "dcs:token": "IAM", "huaweicloud:accessKey": "HWAK", "huaweicloud:secretKey": "HWSK" }))).toEqual({ token: "IAM" });
    // Half a huaweicloud: pair is not used (the environment, or the "no credentials" error, decides).
    expect(readStackSettings(config({ "huaweicloud:accessKey": "HWAK" }))).toEqual({});
  });

  it("takes huaweicloud:projectId only for the same region (a project ID is region-bound)", () => {
    const base = { "huaweicloud:region": "ap-southeast-1", "huaweicloud:projectId": "h".repeat(32) };
    expect(readStackSettings(config({ ...base, "dcs:region": "eu-west-101" }))).toEqual({ region: "eu-west-101" });
    expect(readStackSettings(config({ ...base, "dcs:region": "ap-southeast-1" }))).toEqual({ region: "ap-southeast-1", projectId: "h".repeat(32) });
  });

  it("empty values count as unset", () => {
    expect(readStackSettings(config({ "dcs:region": " ", "huaweicloud:region": "ap-southeast-1" }))).toEqual({ region: "ap-southeast-1" });
  });
});

describe("a resource configured only with huaweicloud: keys", () => {
  afterEach(() => rt.resetRuntime());

  it("reaches DCS with them (the emulator checks the signature)", async () => {
    const emu = await startEmulator({ jobDurations: { masterStandbySwapJob: 200, modifyClientIpTransJob: 200 } });
    try {
      rt.resetRuntime();
      rt.setRuntimeOverrides({ env: {}, log: () => undefined, wait: { firstDelayMs: 50, maxIntervalMs: 100 }, settlePauseMs: 5 });
      await rt.configure({
        config: config({
          "dcs:endpoint": emu.url,
          "huaweicloud:region": "ap-southeast-1",
          "huaweicloud:projectId": emu.projectId,
          "huaweicloud:access_key": emu.accessKey,
          "huaweicloud:secret_key": emu.secretKey,
        }),
      });
      const { outs } = await rt.clientIpPassThrough.create({ instanceId: IDS.ha, enabled: true });
      expect(outs).toMatchObject({ enabled: true, changed: true });
      expect(emu.stats().startCalls).toHaveLength(1);
    } finally {
      await emu.stop();
    }
  });
});
