/**
 * The emulator accepts requests signed by the vendor's own Node signer (`@huaweicloud/huaweicloud-sdk-core`
 * 3.1.211, driven the way the generated DCS client drives it: `BasicCredentials` + `HcClient.sendRequest`
 * over the SDK's own axios transport), and rejects one that was tampered with after signing. This pins
 * the emulator's gateway to the vendor's signing, not only to this project's signer.
 *
 * `ClientBuilder` itself cannot be loaded here: its `http/DefaultUserAgent.js` requires `uuid`, which
 * sdk-core 3.1.211 does not declare as a dependency. The client is built the way `ClientBuilder.build()`
 * builds it, minus the User-Agent.
 */
import { BasicCredentials } from "@huaweicloud/huaweicloud-sdk-core";
import { AKSKSigner } from "@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner";
import { HcClient, type HttpRequestOptions } from "@huaweicloud/huaweicloud-sdk-core/HcClient";
import { DefaultHttpClient } from "@huaweicloud/huaweicloud-sdk-core/http/DefaultHttpClient";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_INSTANCE_IDS as IDS, manualClock, startEmulator, type RunningEmulator } from "../provider/emulator";

let emu: RunningEmulator;
const clock = manualClock();

beforeAll(async () => {
  emu = await startEmulator({ clock });
});
afterAll(async () => {
  await emu.stop();
});

function vendorClient(secretKey = emu.secretKey): HcClient {
  const credentials = new BasicCredentials().withAk(emu.accessKey).withSk(secretKey).withProjectId(emu.projectId);
  // As ClientBuilder.build() does; the SDK logs errors at "error" through log4js, muted here.
  const http = new DefaultHttpClient({ disableSslVerification: true, headers: {}, logLevel: "off" } as never, [emu.url] as never);
  return new HcClient(http).withCredential(credentials).withEndpoints([emu.url]);
}

/** The options the generated DCS client passes to `sendRequest` (huaweicloud-sdk-nodejs-v3 `DcsClient`). */
function dcsOptions(method: string, url: string, pathParams: Record<string, string>, data?: Record<string, unknown>): HttpRequestOptions {
  return { method, url, contentType: "application/json", queryParams: {}, pathParams, headers: {}, ...(data !== undefined ? { data } : {}) };
}

/** What the vendor's client throws on an error answer (ServiceResponseException), reduced to what we check. */
async function vendorError(p: Promise<unknown>): Promise<{ status?: number; errorCode?: string; errorMsg?: string }> {
  try {
    await p;
  } catch (e) {
    const x = e as { httpStatusCode?: number; status?: number; errorCode?: string; errorMsg?: string };
    return { status: x.httpStatusCode ?? x.status, errorCode: x.errorCode, errorMsg: x.errorMsg };
  }
  throw new Error("expected the vendor client to throw");
}

describe("the vendor's signer against the emulator", () => {
  it("ShowInstance signed by the vendor SDK is accepted", async () => {
    const res = (await vendorClient().sendRequest<never>(dcsOptions("GET", "/v2/{project_id}/instances/{instance_id}", { instance_id: IDS.ha }))) as Record<string, unknown>;
    expect(res.httpStatusCode).toBe(200);
    expect(res).toMatchObject({ instance_id: IDS.ha, cache_mode: "ha" });
  });

  it("a swap and a pass-through change with a JSON body, then the job read, are accepted", async () => {
    const client = vendorClient();
    const swap = (await client.sendRequest<never>(dcsOptions("PUT", "/v2/{project_id}/instances/{instance_id}/async-swap", { instance_id: IDS.ha }))) as Record<string, unknown>;
    expect(swap.httpStatusCode).toBe(200);
    expect(swap.job_id).toMatch(/^[0-9a-f]{32}$/);
    const pt = (await client.sendRequest<never>(
      dcsOptions("PUT", "/v2/{project_id}/{instance_id}/client-ip-transparent-transmission", { instance_id: IDS.proxy }, { transparent_client_ip_enable: true }),
    )) as Record<string, unknown>;
    expect(pt.httpStatusCode).toBe(200);
    const job = (await client.sendRequest<never>(dcsOptions("GET", "/v2/{project_id}/jobs/{job_id}", { job_id: String(pt.job_id) }))) as Record<string, unknown>;
    expect(job).toMatchObject({ job_id: pt.job_id, job_type: "modifyClientIpTransJob" });
    expect(emu.stats().startCalls).toHaveLength(2);
  });

  it("the task list with query parameters signed by the vendor SDK is accepted", async () => {
    const res = (await vendorClient().sendRequest<never>({
      ...dcsOptions("GET", "/v2/{project_id}/instances/{instance_id}/tasks", { instance_id: IDS.ha }),
      queryParams: { offset: 0, limit: 10, start_time: "20000101000000", end_time: "20991231235959" },
    })) as Record<string, unknown>;
    expect(res.httpStatusCode).toBe(200);
    expect(Number(res.task_count)).toBeGreaterThanOrEqual(1);
  });

  it("the tenant-wide task center (ListCenterTask) signed by the vendor SDK is accepted", async () => {
    const res = (await vendorClient().sendRequest<never>({
      ...dcsOptions("GET", "/v2/{project_id}/tasks", {}),
      queryParams: { offset: 0, limit: 10, start_time: "20000101000000", end_time: "20991231235959" },
    })) as Record<string, unknown>;
    expect(res.httpStatusCode).toBe(200);
    expect(typeof res.task_count).toBe("string");
    const tasks = res.tasks as Array<{ id: string; job_id: string }>;
    expect(tasks.length).toBeGreaterThanOrEqual(1);
    for (const t of tasks) expect(t.id).not.toBe(t.job_id);
  });

  it("a vendor-signed request with the wrong secret is rejected with 401 APIGW.0301", async () => {
    const err = await vendorError(vendorClient("not-the-secret").sendRequest<never>(dcsOptions("GET", "/v2/{project_id}/instances/{instance_id}", { instance_id: IDS.ha })));
    expect(err.status).toBe(401);
    expect(err.errorCode).toBe("APIGW.0301");
  });

  it("a vendor-signed request altered after signing is rejected; the untouched one is accepted", async () => {
    const path = `/v2/${emu.projectId}/${IDS.ha2}/client-ip-transparent-transmission`;
    const data = { transparent_client_ip_enable: false };
    const credential = { getAk: () => emu.accessKey, getSk: () => emu.secretKey };
    const signed = AKSKSigner.sign(
      { endpoint: emu.url + path, method: "PUT", headers: { "content-type": "application/json", "X-Project-Id": emu.projectId }, queryParams: {}, data } as never,
      credential as never,
    ) as Record<string, string>;
    const send = (body: string, target = path) =>
      request(emu.url + target, { method: "PUT", headers: Object.fromEntries(Object.entries(signed).filter(([k]) => k !== "host")), body });

    const tamperedBody = await send(JSON.stringify({ transparent_client_ip_enable: true }));
    expect(tamperedBody.statusCode).toBe(401);
    expect(await tamperedBody.body.json()).toMatchObject({ error_code: "APIGW.0301" });

    const otherInstance = await send(JSON.stringify(data), `/v2/${emu.projectId}/${IDS.ha}/client-ip-transparent-transmission`);
    expect(otherInstance.statusCode).toBe(401);
    await otherInstance.body.dump();

    const untouched = await send(JSON.stringify(data));
    expect(untouched.statusCode).toBe(200);
    expect(await untouched.body.json()).toMatchObject({ job_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });
});
