/**
 * The provider plugin on the real CLI, from a language that is not TypeScript: a `runtime: yaml` program
 * (the Pulumi YAML language host, built beside the CLI by scripts/ensure-pulumi.sh) declares a swap, a
 * pass-through that depends on it and a DcsJob on the swap's job ID, through `pulumi-resource-dcsjobs`
 * (found by the project's `plugins.providers` path). Plain CLI commands, as a user types them: `pulumi up`,
 * `pulumi up` again, `pulumi refresh`, `pulumi destroy`, against the emulator, with the credentials set by
 * `pulumi config set --secret`.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DcsClient } from "../../provider/client";
import { startEmulator } from "../../provider/emulator";
import { waitForJob } from "../../provider/waiter";
import { ensureEngineBin, ENGINE_PASSPHRASE, makeWorkDir, repoRoot } from "../../scripts/lib/engine";
import { haInstance, type Emulator } from "./helpers";

const run = promisify(execFile);
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

let emulator: Emulator;
let client: DcsClient;
let workDir: string;
let env: Record<string, string>;
let bin: string;

/** The project's head: a YAML program that finds the plugin in this checkout's `bin/`. */
const PROJECT = ["name: dcs-yaml", "runtime: yaml", "plugins:", "  providers:", "    - name: dcsjobs", `      path: ${path.join(repoRoot, "bin")}`];

async function pulumi(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(path.join(bin, "pulumi"), args, { cwd: workDir, env, maxBuffer: 32 * 1024 * 1024 });
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`pulumi ${args.join(" ")} failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}

function state(stack = "dev"): { resources: Array<{ type: string; urn: string; id?: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }>; text: string } {
  const file = path.join(workDir, ".pulumi-state", ".pulumi", "stacks", "dcs-yaml", `${stack}.json`);
  const text = fs.readFileSync(file, "utf8");
  return { resources: JSON.parse(text).checkpoint.latest?.resources ?? [], text };
}

beforeAll(async () => {
  bin = ensureEngineBin();
  if (!fs.existsSync(path.join(bin, "pulumi-language-yaml"))) {
    throw new Error(`no pulumi-language-yaml beside ${bin}/pulumi: scripts/ensure-pulumi.sh builds it (unless PULUMI_DCS_JOBS_SKIP_YAML=1)`);
  }
  if (!fs.existsSync(path.join(repoRoot, "dist", "plugin", "main.js"))) throw new Error("dist/ is not built: run `bash scripts/setup.sh`");
  emulator = await startEmulator({ jobDurations: { masterStandbySwapJob: 2_000, modifyClientIpTransJob: 2_000, sslSwitchJob: 2_000 } });
  client = new DcsClient({ endpoint: emulator.url, projectId: emulator.projectId, credentials: { accessKey: emulator.accessKey, secretKey: emulator.secretKey } }, {});
  workDir = makeWorkDir("yaml");
  const id = haInstance(emulator);
  fs.writeFileSync(
    path.join(workDir, "Pulumi.yaml"),
    [
      ...PROJECT,
      "resources:",
      "  swap:",
      "    type: dcsjobs:MasterStandbySwap",
      "    properties:",
      `      instanceId: ${id}`,
      '      triggers: ["2026-11 maintenance"]',
      "      waitTimeout: 2m",
      "  clientIp:",
      "    type: dcsjobs:ClientIpPassThrough",
      "    properties:",
      `      instanceId: ${id}`,
      "      enabled: true",
      "      waitTimeout: 2m",
      "    options:",
      '      dependsOn: ["${swap}"]',
      "  swapJob:",
      "    type: dcsjobs:DcsJob",
      "    properties:",
      "      jobId: ${swap.jobId}",
      `      instanceId: ${id}`,
      "outputs:",
      "  swapJobId: ${swap.jobId}",
      "  swapJobStatus: ${swapJob.status}",
      "  master: ${swap.masterNode}",
      "  passThrough: ${clientIp.enabled}",
      "",
    ].join("\n"),
  );
  // The environment carries no credentials and no HW_* variables: everything comes from the stack config.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && !/^(HW_|HUAWEICLOUD_|PULUMI_)/.test(k))) as Record<string, string>;
  env = {
    ...clean,
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
    PULUMI_BACKEND_URL: `file://${path.join(workDir, ".pulumi-state")}`,
    PULUMI_HOME: path.join(workDir, ".pulumi-home"),
    PULUMI_CONFIG_PASSPHRASE: ENGINE_PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
  fs.mkdirSync(path.join(workDir, ".pulumi-state"), { recursive: true });
});

afterAll(async () => {
  await client?.close();
  await emulator?.stop();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

describe("a Pulumi YAML program through the dcsjobs provider plugin", () => {
  it("up runs each job once, a second up starts nothing, refresh shows drift, destroy removes the stack; secrets stay encrypted", async () => {
    const started = Date.now();
    const id = haInstance(emulator);
    await pulumi("stack", "init", "dev");
    await pulumi("config", "set", "dcsjobs:region", "ap-southeast-1");
    await pulumi("config", "set", "dcsjobs:endpoint", emulator.url);
    await pulumi("config", "set", "dcsjobs:projectId", emulator.projectId);
    await pulumi("config", "set", "--secret", "dcsjobs:accessKey", emulator.accessKey);
    await pulumi("config", "set", "--secret", "dcsjobs:secretKey", emulator.secretKey);

    // 1. up: the swap, then the pass-through (dependsOn), and the DcsJob on the swap's job.
    const up = await pulumi("up", "--yes", "--non-interactive");
    expect(up).toMatch(/4 created/);
    const starts = emulator.stats().startCalls;
    expect(starts.map((s) => s.jobType).sort()).toEqual(["masterStandbySwapJob", "modifyClientIpTransJob"]);
    const outputs = JSON.parse(await pulumi("stack", "output", "--json"));
    const swapJob = starts.find((s) => s.jobType === "masterStandbySwapJob")!.jobId;
    expect(outputs).toMatchObject({ swapJobId: swapJob, swapJobStatus: "SUCCESS", passThrough: true, master: expect.any(String) });
    expect((await client.showJob(swapJob)).status).toBe("SUCCESS");
    expect((await client.showInstance(id)).transparentClientIpEnable).toBe(true);
    // The runtime's progress lines reach the engine's log, under the resource.
    expect(up).toMatch(/\[dcs\] MasterStandbySwap .*: started job/);

    // 2. up again: nothing changed, nothing starts.
    const again = await pulumi("up", "--yes", "--non-interactive");
    expect(again).toMatch(/4 unchanged/);
    expect(emulator.stats().startCalls).toHaveLength(2);

    // 3. refresh: pass-through turned off behind the stack's back shows up in the state.
    const side = await client.setClientIpPassThrough(id, false);
    await waitForJob(client, side.jobId, { timeoutMs: 30_000, firstDelayMs: 500, maxIntervalMs: 1_000 });
    const refresh = await pulumi("refresh", "--yes", "--non-interactive");
    expect(refresh).toMatch(/1 updated/);
    const clientIp = state().resources.find((r) => r.type === "dcsjobs:index:ClientIpPassThrough")!;
    expect(clientIp.outputs?.enabled).toBe(false);
    expect(emulator.stats().startCalls).toHaveLength(3); // the side change only

    // Secrets: the provider's credentials are in the state only as ciphertext.
    const { text, resources } = state();
    expect(text).not.toContain(emulator.secretKey);
    expect(text).not.toContain(emulator.accessKey);
    const provider = resources.find((r) => r.type === "pulumi:providers:dcsjobs")!;
    expect(provider.inputs?.secretKey).toMatchObject({ ciphertext: expect.any(String) });
    expect(provider.inputs?.accessKey).toMatchObject({ ciphertext: expect.any(String) });
    expect(provider.inputs?.endpoint).toBe(emulator.url);

    // 4. destroy: removes everything; deleting a swap or a pass-through starts nothing.
    const destroy = await pulumi("destroy", "--yes", "--non-interactive");
    expect(destroy).toMatch(/4 deleted/);
    expect(state().resources.filter((r) => r.type.startsWith("dcsjobs:"))).toEqual([]);
    expect(emulator.stats().startCalls).toHaveLength(3);
    console.log(`yaml e2e: up, up, refresh, destroy in ${Math.round((Date.now() - started) / 1000)} s`);
  });

  it("pulumi import reads a swap job and the SSL value into state and starts nothing; the program that declares them sees no change", async () => {
    const started = Date.now();
    const id = haInstance(emulator);
    await pulumi("stack", "init", "imp");
    await pulumi("config", "set", "dcsjobs:region", "ap-southeast-1");
    await pulumi("config", "set", "dcsjobs:endpoint", emulator.url);
    await pulumi("config", "set", "dcsjobs:projectId", emulator.projectId);
    await pulumi("config", "set", "--secret", "dcsjobs:accessKey", emulator.accessKey);
    await pulumi("config", "set", "--secret", "dcsjobs:secretKey", emulator.secretKey);
    // A swap run outside any stack (a console click, another tool), and the SSL value as it is.
    const { jobId } = await client.swapMasterStandby(id);
    await waitForJob(client, jobId, { timeoutMs: 30_000, firstDelayMs: 500, maxIntervalMs: 1_000 });
    const before = emulator.stats().startCalls.length;
    const ssl = (await client.showInstance(id)).raw.enable_ssl;

    // 1. `pulumi import` of the job, by `<instanceId>:<jobId>` (Terraform imports the swap by instance ID only, and records no job).
    const generated = path.join(workDir, "imported.yaml");
    const imp = await pulumi("import", "dcsjobs:index:MasterStandbySwap", "oldSwap", `${id}:${jobId}`, "--yes", "--non-interactive", "--protect=false", "--out", generated);
    expect(imp).toMatch(/1 imported/);
    const swap = state("imp").resources.find((r) => r.type === "dcsjobs:index:MasterStandbySwap")!;
    expect(swap.id).toBe(`${id}:${jobId}`);
    expect(swap.inputs).toEqual({ instanceId: id });
    expect(swap.outputs).toMatchObject({ jobId, status: "SUCCESS", adopted: true, ended: { outcome: "SUCCESS", origin: "adopted", jobId, intent: "null" } });
    // The generated declaration is the program to keep: the instance, and no triggers (the import's rule).
    const code = fs.readFileSync(generated, "utf8");
    expect(code).toContain("dcsjobs:MasterStandbySwap");
    expect(code).toContain(id);
    expect(code).not.toContain("triggers");

    // 2. A state resource by `<instanceId>`: the live value.
    expect(await pulumi("import", "dcsjobs:index:InstanceSsl", "ssl", id, "--yes", "--non-interactive", "--protect=false", "--generate-code=false")).toMatch(/1 imported/);
    expect(state("imp").resources.find((r) => r.type === "dcsjobs:index:InstanceSsl")!.outputs).toMatchObject({ instanceId: id, enabled: ssl, changed: false });
    // A bad ID fails with the format, and imports nothing.
    expect(await pulumi("import", "dcsjobs:index:MasterStandbySwap", "bad", id, "--yes", "--non-interactive", "--protect=false", "--generate-code=false").catch((e: Error) => e.message)).toMatch(/The import ID is `<instanceId>:<jobId>`/);
    expect(emulator.stats().startCalls).toHaveLength(before);

    // 3. The program declares them as imported (the swap with its triggers ignored, the import's rule), and a third by
    //    the `import` resource option: `up` changes nothing and starts nothing.
    fs.writeFileSync(
      path.join(workDir, "Pulumi.yaml"),
      [
        ...PROJECT,
        "resources:",
        "  oldSwap:",
        "    type: dcsjobs:MasterStandbySwap",
        "    properties:",
        `      instanceId: ${id}`,
        // The triggers the job was run for: the import recorded none, so they are ignored (else: one new swap).
        '      triggers: ["2026-11 maintenance"]',
        "    options:",
        "      ignoreChanges: [triggers]",
        "  ssl:",
        "    type: dcsjobs:InstanceSsl",
        "    properties:",
        `      instanceId: ${id}`,
        `      enabled: ${ssl}`,
        "  timeout:",
        "    type: dcsjobs:InstanceParameters",
        "    properties:",
        `      instanceId: ${id}`,
        "      parameters:",
        '        timeout: "0"',
        "    options:",
        `      import: ${id}:timeout`,
        "outputs:",
        "  swapJob: ${oldSwap.jobId}",
        "",
      ].join("\n"),
    );
    const up = await pulumi("up", "--yes", "--non-interactive", "--stack", "imp");
    expect(up).toMatch(/1 imported/);
    expect(up).toMatch(/3 unchanged/); // the swap, SSL and the stack
    expect(JSON.parse(await pulumi("stack", "output", "--json", "--stack", "imp"))).toMatchObject({ swapJob: jobId });
    await pulumi("preview", "--expect-no-changes", "--non-interactive", "--stack", "imp");
    expect(emulator.stats().startCalls).toHaveLength(before);

    // 4. destroy: starts nothing either.
    expect(await pulumi("destroy", "--yes", "--non-interactive", "--stack", "imp")).toMatch(/4 deleted/); // three and the stack
    expect(emulator.stats().startCalls).toHaveLength(before);
    console.log(`yaml e2e: import, import, up, preview, destroy in ${Math.round((Date.now() - started) / 1000)} s`);
  });
});
