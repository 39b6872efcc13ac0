/**
 * SDKs for other languages come from `schema.json` with the real CLI's `pulumi package gen-sdk`. It asks a
 * language plugin to generate: with a standard Pulumi install, the bundled one; with the engine built from Go
 * modules, the codegen-only plugin scripts/ensure-pulumi.sh builds beside it (`sdkgen/`, the same generators
 * from pkg/v3/codegen). The Python SDK must compile (`python3 -m py_compile`); the Go SDK must be gofmt-clean
 * when `gofmt` is there.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureEngineBin } from "../scripts/lib/engine";

const root = path.resolve(__dirname, "..");
const out = fs.mkdtempSync(path.join(os.tmpdir(), "dcsjobs-sdk-"));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

function genSdk(language: string): string {
  const bin = ensureEngineBin();
  const sdkgen = path.join(bin, "..", "sdkgen");
  const PATH = [fs.existsSync(sdkgen) ? sdkgen : undefined, bin, process.env.PATH].filter(Boolean).join(path.delimiter);
  const home = path.join(out, "home");
  fs.mkdirSync(home, { recursive: true });
  return execFileSync(path.join(bin, "pulumi"), ["package", "gen-sdk", path.join(root, "schema.json"), "--language", language, "--out", out], {
    encoding: "utf8",
    env: { ...process.env, PATH, PULUMI_HOME: home, PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function files(dir: string, ext: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(ext)).map((f) => path.join(dir, f));
}

describe("pulumi package gen-sdk from schema.json", () => {
  it("generates a Python SDK that compiles, with the resources, their args and the secret config", () => {
    genSdk("python");
    const pkg = path.join(out, "python", "pulumi_dcsjobs");
    const py = files(pkg, ".py");
    // Every resource of the schema has its module (the table's too).
    const modules = ["master_standby_swap", "client_ip_pass_through", "dcs_job", "dcs_operation", "cluster_replica_switchover", "replica_ip_removal", "instance_ssl", "instance_public_access", "instance_whitelist", "instance_parameters", "acl_account_role"];
    expect(py.map((f) => path.basename(f)).sort()).toEqual(expect.arrayContaining(["__init__.py", "provider.py", "_inputs.py", "outputs.py", ...modules.map((m) => `${m}.py`)]));
    execFileSync("python3", ["-m", "py_compile", ...py], { stdio: "pipe" });
    const swap = fs.readFileSync(path.join(pkg, "master_standby_swap.py"), "utf8");
    expect(swap).toContain("class MasterStandbySwap(pulumi.CustomResource)");
    expect(swap).toContain("'dcsjobs:index:MasterStandbySwap'");
    expect(swap).toMatch(/wait_timeout: pulumi\.Input\[Optional\[Union\[_builtins\.str, _builtins\.float\]\]\]/);
    const ssl = fs.readFileSync(path.join(pkg, "instance_ssl.py"), "utf8");
    expect(ssl).toContain("class InstanceSsl(pulumi.CustomResource)");
    expect(ssl).toMatch(/enabled: pulumi\.Input\[_builtins\.bool\]/);
    expect(fs.readFileSync(path.join(pkg, "cluster_replica_switchover.py"), "utf8")).toMatch(/group_id: pulumi\.Input\[_builtins\.str\]/);
    expect(fs.readFileSync(path.join(pkg, "instance_parameters.py"), "utf8")).toMatch(/parameters: pulumi\.Input\[Mapping\[str, pulumi\.Input\[_builtins\.str\]\]\]/);
    expect(fs.readFileSync(path.join(pkg, "_inputs.py"), "utf8")).toContain("class WhitelistGroupArgs");
    // The import section reaches the docstrings.
    expect(swap).toContain("pulumi import dcsjobs:index:MasterStandbySwap");
    // The provider's secret inputs are wrapped as secrets by the SDK.
    expect(fs.readFileSync(path.join(pkg, "provider.py"), "utf8")).toMatch(/pulumi\.Output\.secret\(secret_key\)/);
    expect(JSON.parse(fs.readFileSync(path.join(pkg, "pulumi-plugin.json"), "utf8"))).toMatchObject({ resource: true, name: "dcsjobs" });
  }, 60_000);

  it("generates a Go SDK", () => {
    genSdk("go");
    const go = files(path.join(out, "go"), ".go");
    expect(go.map((f) => path.basename(f))).toEqual(expect.arrayContaining(["masterStandbySwap.go", "instanceSsl.go", "dcsOperation.go", "clusterReplicaSwitchover.go", "provider.go"]));
    let gofmt: string | undefined;
    try {
      gofmt = execFileSync("gofmt", ["-l", ...go], { encoding: "utf8" });
    } catch {
      gofmt = undefined; // no Go toolchain here
    }
    if (gofmt !== undefined) expect(gofmt.trim()).toBe("");
  }, 60_000);
});
