/**
 * The serialized providers, as the engine runs them: each provider object is serialized with
 * `pulumi.runtime.serializeFunction(() => provider)` (what `dynamic.Resource` does), and its text is
 * loaded in a FRESH Node process with `require-from-string` from the repository root (what the engine's
 * dynamic-provider host does), then `.handler()`, `configure` with the emulator's credentials, and the
 * CRUD methods against the emulator over 127.0.0.1.
 *
 * Needs a current build (`npm run build`): the serialized text requires `pulumi-dcs-jobs/runtime`,
 * i.e. `dist/resources/runtime.js`.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_INSTANCE_IDS as IDS, startEmulator, type RunningEmulator } from "../provider/emulator";

const root = resolve(__dirname, "..");
const nodeRequire = createRequire(join(root, "package.json"));

/** Fails early with a clear message when `dist/` is missing or older than the resource sources. */
function assertBuildCurrent(): void {
  const dist = join(root, "dist", "resources");
  if (!existsSync(join(dist, "runtime.js"))) throw new Error("dist/resources/runtime.js is missing: run `npm run build` first.");
  for (const f of readdirSync(join(root, "provider", "resources"))) {
    if (!f.endsWith(".ts")) continue;
    const js = join(dist, f.replace(/\.ts$/, ".js"));
    if (!existsSync(js) || statSync(js).mtimeMs < statSync(join(root, "provider", "resources", f)).mtimeMs) {
      throw new Error(`dist/resources/${f.replace(/\.ts$/, ".js")} is older than its source: run \`npm run build\` first.`);
    }
  }
}

const CANARY_SECRET = "canary-secret-key-must-never-be-serialized-0123";
const CANARY_AK = "CANARYACCESSKEY0123";

interface Serialized {
  name: string;
  text: string;
  containsSecrets: boolean;
}

let emu: RunningEmulator;
let serialized: Serialized[];
let work: string;

beforeAll(async () => {
  assertBuildCurrent();
  emu = await startEmulator({ jobDurations: { masterStandbySwapJob: 600, modifyClientIpTransJob: 600 }, jobInitMs: 100 });
  work = mkdtempSync(join(tmpdir(), "dcs-ser-"));

  // Credentials present in this process in every way a careless provider could capture them.
  process.env.HW_SECRET_KEY = CANARY_SECRET;
  process.env.HW_ACCESS_KEY = CANARY_AK;
  const runtime = nodeRequire("pulumi-dcs-jobs/runtime") as typeof import("../provider/resources/runtime");
  await runtime.configure({ config: { get: (k: string) => ({ "dcs:accessKey": CANARY_AK, "dcs:secretKey": CANARY_SECRET })[k] } });

  const pulumi = nodeRequire("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
  const providers = nodeRequire("./dist/resources/providers.js") as typeof import("../provider/resources/providers");
  serialized = [];
  for (const [name, provider] of Object.entries(providers)) {
    const sf = await pulumi.runtime.serializeFunction(() => provider);
    serialized.push({ name, text: sf.text, containsSecrets: sf.containsSecrets });
  }
  delete process.env.HW_SECRET_KEY;
  delete process.env.HW_ACCESS_KEY;
  runtime.resetRuntime();
}, 60_000);

afterAll(async () => {
  await emu?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** What the fresh process runs: the host's steps, then the CRUD calls; prints one JSON line. */
const CHILD = String.raw`
const requireFromString = require("require-from-string");
const fs = require("node:fs");
const text = fs.readFileSync(process.env.PROVIDER_FILE, "utf8");
const cfg = JSON.parse(process.env.STACK_CONFIG);
const script = JSON.parse(process.env.SCRIPT);
(async () => {
  const provider = requireFromString(text).handler();
  // Test-only knob, same module instance the provider requires: poll often so the test is quick.
  require("pulumi-dcs-jobs/runtime").setRuntimeOverrides({ wait: { firstDelayMs: 100, maxIntervalMs: 200 }, settlePauseMs: 50 });
  await provider.configure({ config: { get: (k) => cfg[k] } });
  const out = {};
  for (const step of script) {
    try {
      if (step.op === "check") out.check = await provider.check({}, step.inputs);
      if (step.op === "create") out.create = await provider.create({ ...step.inputs, __provider: text });
      if (step.op === "diff") out.diff = await provider.diff(out.create.id, out.create.outs, step.inputs);
      if (step.op === "read") out.read = await provider.read(out.create.id, out.create.outs);
      if (step.op === "delete") out.delete = (await provider.delete(out.create.id, out.create.outs)) ?? "done";
    } catch (e) {
      out[step.op + "Error"] = { message: e.message, id: e.id, properties: e.properties, reasons: e.reasons };
      break;
    }
  }
  process.stdout.write(JSON.stringify(out) + "\n");
})().catch((e) => { process.stderr.write("CHILD CRASH " + (e && e.stack) + "\n"); process.exit(3); });
`;

interface ChildResult {
  code: number | null;
  out: Record<string, any>;
  stderr: string;
}

async function runFresh(name: string, script: Array<{ op: string; inputs?: Record<string, unknown> }>, stackConfig: Record<string, string>): Promise<ChildResult> {
  const s = serialized.find((x) => x.name === name)!;
  const file = join(work, `${name}.js`);
  writeFileSync(file, s.text);
  // A clean environment: no HW_* variables leak in from the test runner.
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", PROVIDER_FILE: file, STACK_CONFIG: JSON.stringify(stackConfig), SCRIPT: JSON.stringify(script) };
  const child = spawn(process.execPath, ["-e", CHILD], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise<number | null>((r) => child.on("close", r));
  const line = stdout.trim().split("\n").pop() ?? "";
  if (!line.startsWith("{")) throw new Error(`child printed no result (exit ${code}): ${stderr}`);
  return { code, out: JSON.parse(line), stderr };
}

const emuConfig = () => ({ "dcs:endpoint": emu.url, "dcs:projectId": emu.projectId, "dcs:accessKey": emu.accessKey, "dcs:secretKey": emu.secretKey });

describe("serialized providers", () => {
  it("are small, stable, and contain no credentials, config or client code", async () => {
    expect(serialized.map((s) => s.name).sort()).toEqual([
      "aclAccountRoleProvider",
      "clientIpPassThroughProvider",
      "clusterReplicaSwitchoverProvider",
      "dcsJobProvider",
      "dcsOperationProvider",
      "instanceParametersProvider",
      "instancePublicAccessProvider",
      "instanceSslProvider",
      "instanceWhitelistProvider",
      "masterStandbySwapProvider",
      "replicaIpRemovalProvider",
    ]);
    // The operation table's providers capture only their runtime export's name.
    for (const s of serialized.filter((x) => !["clientIpPassThroughProvider", "dcsJobProvider", "masterStandbySwapProvider"].includes(x.name))) {
      expect(s.text).toContain(JSON.stringify(s.name.replace(/Provider$/, "")));
    }
    const pulumi = nodeRequire("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    const providers = nodeRequire("./dist/resources/providers.js") as Record<string, object>;
    for (const s of serialized) {
      expect(s.containsSecrets).toBe(false);
      for (const needle of [CANARY_SECRET, CANARY_AK, emu.secretKey, "HW_SECRET_KEY", "DcsClient", "undici", "signRequest"]) expect(s.text).not.toContain(needle);
      expect(s.text).toContain('require("pulumi-dcs-jobs/runtime")');
      expect(s.text.length).toBeLessThan(4_096);
      // Same text every time: the host caches (and configures) one provider per distinct text.
      const provider = providers[s.name];
      expect((await pulumi.runtime.serializeFunction(() => provider)).text).toBe(s.text);
    }
    console.info(`serialized provider sizes: ${serialized.map((s) => `${s.name} ${s.text.length} B`).join(", ")}`);
  });

  it("MasterStandbySwap: a fresh process runs check, create, diff, read, delete against the emulator", async () => {
    const before = emu.stats().startCalls.length;
    const inputs = { instanceId: IDS.ha, triggers: ["v1"] };
    const r = await runFresh(
      "masterStandbySwapProvider",
      [{ op: "check", inputs }, { op: "create", inputs }, { op: "diff", inputs }, { op: "read" }, { op: "delete" }],
      emuConfig(),
    );
    expect(r.code).toBe(0);
    expect(r.out.createError).toBeUndefined();
    expect(r.out.check.failures).toBeUndefined();
    const starts = emu.stats().startCalls.slice(before);
    expect(starts).toHaveLength(1);
    expect(r.out.create.outs).toMatchObject({ instanceId: IDS.ha, jobId: starts[0]!.jobId, status: "SUCCESS", adopted: false });
    expect(r.out.diff).toEqual({ changes: false });
    expect(r.out.read.props.status).toBe("SUCCESS");
    expect(r.out.delete).toBe("done");
    // Progress goes to stderr, which the engine shows for the dynamic-provider plugin.
    expect(r.stderr).toMatch(/\[dcs\] MasterStandbySwap .*: started job /);
    expect(r.stderr).toMatch(/SUCCESS/);
    expect(r.stderr).not.toContain(emu.secretKey);
  });

  it("ClientIpPassThrough and DcsJob run in a fresh process too", async () => {
    const before = emu.stats().startCalls.length;
    const pass = await runFresh("clientIpPassThroughProvider", [{ op: "create", inputs: { instanceId: IDS.proxy, enabled: true } }], emuConfig());
    expect(pass.out.create?.outs).toMatchObject({ enabled: true, initialEnabled: false, changed: true, status: "SUCCESS" });
    const started = emu.stats().startCalls.slice(before);
    expect(started).toHaveLength(1);
    const job = await runFresh("dcsJobProvider", [{ op: "create", inputs: { jobId: started[0]!.jobId } }], emuConfig());
    expect(job.out.create?.outs).toMatchObject({ jobId: started[0]!.jobId, jobType: "modifyClientIpTransJob", status: "SUCCESS" });
  });

  it("a timed-out wait rejects in the host's partial-failure shape, with __provider kept", async () => {
    emu.inject({ route: "swap", kind: "hangJob" });
    const r = await runFresh("masterStandbySwapProvider", [{ op: "create", inputs: { instanceId: IDS.ha, waitTimeout: "1s" } }], emuConfig());
    emu.reset();
    const e = r.out.createError;
    expect(e).toBeDefined();
    expect(e.id).toMatch(new RegExp(`^${IDS.ha}:`));
    expect(e.properties.jobId).toBe(e.id.split(":")[1]);
    expect(e.properties.__provider).toBe(serialized.find((s) => s.name === "masterStandbySwapProvider")!.text);
    expect(e.reasons).toEqual([e.message]);
    expect(e.message).toMatch(/timed out.*next `pulumi up` resumes/s);
  });

  it("missing credentials: create names every place looked at; nothing is sent", async () => {
    const total = emu.stats().total;
    const r = await runFresh("masterStandbySwapProvider", [{ op: "create", inputs: { instanceId: IDS.ha } }], { "dcs:endpoint": emu.url, "dcs:projectId": emu.projectId });
    expect(r.out.createError.message).toMatch(/No DCS credentials found.*dcs:accessKey.*HW_ACCESS_KEY.*pulumi config set --secret dcs:secretKey/s);
    expect(r.out.createError.id).toBeUndefined();
    expect(emu.stats().total).toBe(total);
  });
});
