/**
 * The published package as a user gets it: `npm pack`, then `npm install <tarball>` into a new project outside
 * this repository (so nothing resolves from the repo's node_modules by accident), then the README's usage program
 * (examples/readme-usage.ts) on the real engine against the emulator.
 *
 * Offline: the install uses npm's cache (`--prefer-offline`: filled by `npm ci` of this repo, since the package's
 * dependencies are in its lockfile; `--offline` works as well once the cache holds them). `@pulumi/pulumi` is
 * an optional peer: the project links this repo's copy, so the program, the Automation API of this test and
 * the dynamic-provider host share one SDK, as they do in a user's project.
 */
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startEmulator } from "../../provider/emulator";
import { dcsStackConfig, openStack, repoRoot, type EngineStack } from "../../scripts/lib/engine";
import type { Emulator } from "./helpers";

const run = promisify(execFile);
vi.setConfig({ testTimeout: 240_000, hookTimeout: 180_000 });

/** The instance the README's example names. */
const README_INSTANCE = "5560df16-cebf-4473-95c4-d1b573c16e79";

let work: string;
let project: string;
let tarball: string;
let installOutput = "";
let emulator: Emulator | undefined;
let engine: EngineStack | undefined;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "dcs-jobs-pack-"));
  const packed = JSON.parse((await run("npm", ["pack", "--json", "--pack-destination", work], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 })).stdout) as Array<{ filename: string }>;
  tarball = path.join(work, packed[0]!.filename);
  project = path.join(work, "app");
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "readme-usage", version: "0.0.0", private: true }, null, 2));
  const { stdout, stderr } = await run("npm", ["install", tarball, "--omit=peer", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: project, maxBuffer: 16 * 1024 * 1024 });
  installOutput = stdout + stderr;
  // The optional peer, linked after the install (npm would prune a link made before it).
  fs.mkdirSync(path.join(project, "node_modules", "@pulumi"), { recursive: true });
  fs.symlinkSync(path.join(repoRoot, "node_modules", "@pulumi", "pulumi"), path.join(project, "node_modules", "@pulumi", "pulumi"), "dir");
});

afterAll(async () => {
  if (engine) {
    try {
      await engine.stack.destroy();
    } catch {
      /* nothing to destroy */
    }
    await engine.dispose();
  }
  await emulator?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe("the packed package", () => {
  it("ships no install-time script, and the plugin, its schema and the built code", async () => {
    const { stdout } = await run("tar", ["-xzOf", tarball, "package/package.json"]);
    const manifest = JSON.parse(stdout) as { scripts: Record<string, string>; bin: Record<string, string>; files: string[] };
    for (const s of ["preinstall", "install", "postinstall", "prepare"]) expect(manifest.scripts).not.toHaveProperty(s);
    expect(installOutput).not.toMatch(/install-scripts|install script/i);
    expect(manifest.bin).toMatchObject({ "dcs-jobs": "./dist/cli/main.js", "pulumi-resource-dcsjobs": "./bin/pulumi-resource-dcsjobs" });
    const installed = path.join(project, "node_modules", "pulumi-dcs-jobs");
    for (const f of ["bin/pulumi-resource-dcsjobs", "schema.json", "dist/plugin/main.js", "dist/resources/runtime.js", "README.md"]) expect(fs.existsSync(path.join(installed, f))).toBe(true);
    expect(fs.existsSync(path.join(installed, "scripts"))).toBe(false);
  });

  it("loads from CommonJS and from an ES module (named exports), and its plugin starts", async () => {
    const names = "MasterStandbySwap, ClientIpPassThrough, DcsJob, waitForDcsJob";
    const esm = await run(process.execPath, ["--input-type=module", "-e", `import { ${names} } from "pulumi-dcs-jobs"; console.log([${names}].map((x) => typeof x).join(","));`], { cwd: project });
    expect(esm.stdout.trim()).toBe("function,function,function,function");
    const cjs = await run(process.execPath, ["-e", `const m = require("pulumi-dcs-jobs"); console.log(typeof m.MasterStandbySwap, typeof require("pulumi-dcs-jobs/runtime").configure)`], { cwd: project });
    expect(cjs.stdout.trim()).toBe("function function");

    // The engine runs node_modules/.bin/pulumi-resource-dcsjobs (or the package's bin/); it prints its port.
    const plugin = spawn(path.join(project, "node_modules", ".bin", "pulumi-resource-dcsjobs"), [], { cwd: project, stdio: ["ignore", "pipe", "pipe"] });
    const port = await new Promise<string>((resolve, reject) => {
      let out = "";
      let err = "";
      plugin.stdout.on("data", (d) => {
        out += String(d);
        if (out.includes("\n")) resolve(out.trim());
      });
      plugin.stderr.on("data", (d) => (err += String(d)));
      plugin.on("exit", (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    plugin.kill("SIGKILL");
    expect(port).toMatch(/^\d+$/);
  });

  it("runs the README's usage program on the real engine", async () => {
    emulator = await startEmulator({
      instances: [{ instance_id: README_INSTANCE, cache_mode: "ha" }],
      jobDurations: { masterStandbySwapJob: 2_000, modifyClientIpTransJob: 2_000 },
    });
    // The program exactly as the README shows it, compiled the way a user's TypeScript is (CommonJS).
    const source = fs.readFileSync(path.join(repoRoot, "examples", "readme-usage.ts"), "utf8");
    expect(source).toContain(README_INSTANCE);
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
    fs.writeFileSync(path.join(project, "index.js"), js);
    const projectRequire = createRequire(path.join(project, "index.js"));
    expect(fs.realpathSync(projectRequire.resolve("pulumi-dcs-jobs"))).toBe(path.join(fs.realpathSync(project), "node_modules", "pulumi-dcs-jobs", "dist", "index.js"));

    engine = await openStack({
      stackName: "readme",
      projectName: "readme-usage",
      workDir: project,
      stateDir: path.join(work, "state"),
      program: async () => {
        const m = projectRequire("./index.js") as Record<string, unknown>;
        return { finished: m.finished, swapJob: m.swapJob };
      },
      config: dcsStackConfig(emulator),
    });
    const up = await engine.stack.up();
    const starts = emulator.stats().startCalls;
    expect(starts.map((s) => s.jobType).sort()).toEqual(["masterStandbySwapJob", "modifyClientIpTransJob"]);
    const swap = starts.find((s) => s.jobType === "masterStandbySwapJob")!;
    expect(up.outputs.finished?.value).toBe("SUCCESS");
    expect(up.outputs.swapJob?.value).toMatchObject({ id: swap.jobId, master: expect.any(String) });
    expect(up.summary.resourceChanges).toMatchObject({ create: 4 });
    // The serialized providers load the runtime by package name: from the project, the installed copy.
    const state = await engine.exportState();
    expect(state).toContain("pulumi-dcs-jobs/runtime");
    expect(state).not.toContain(emulator.secretKey);
  });

  it("runs the ESM example stack (examples/esm: an ES module with top-level await) on the real engine", async () => {
    expect(emulator).toBeDefined();
    emulator!.reset();
    const source = fs.readFileSync(path.join(repoRoot, "examples", "esm", "index.ts"), "utf8");
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    const file = path.join(project, "esm-example.mjs");
    fs.writeFileSync(file, js);
    // A native import (not vitest's): Node's own ESM loader, from a CommonJS file loaded by Node's require.
    fs.writeFileSync(path.join(project, "import-esm.cjs"), "module.exports = (url) => import(url);\n");
    const nativeImport = createRequire(file)("./import-esm.cjs") as (url: string) => Promise<Record<string, unknown>>;
    const esm = await openStack({
      stackName: "esm",
      projectName: "readme-usage",
      workDir: project,
      stateDir: path.join(work, "state"),
      program: async () => ({ summary: (await nativeImport(pathToFileURL(file).href)).summary }),
      config: { ...dcsStackConfig(emulator!), "readme-usage:instanceId": README_INSTANCE },
    });
    try {
      const up = await esm.stack.up();
      const swap = emulator!.stats().startCalls.find((s) => s.jobType === "masterStandbySwapJob")!;
      expect(up.outputs.summary?.value).toMatchObject({ stack: "esm", swapJob: swap.jobId, status: "SUCCESS", passThrough: true });
      await esm.stack.destroy();
    } finally {
      await esm.dispose();
    }
  });
});
