/**
 * What a stack pays for the dynamic providers: the size of each serialized provider (stored in state as
 * `__provider` on every resource) and the time for a fresh Node process — as the engine's dynamic-provider
 * host is — to load that text, `configure` it and answer `check`.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import { summarize, type Summary } from "./stats";

const repoRoot = path.resolve(__dirname, "..");
const nodeRequire = createRequire(path.join(repoRoot, "package.json"));

export interface OverheadRow {
  provider: string;
  serializedBytes: number;
  /** Process start to `check` answered, in the child (ms). */
  loadToCheckMs: Summary;
  /** Spawn to exit, seen from the parent (ms). */
  processWallMs: Summary;
}

const CHILD = String.raw`
const t0 = performance.now();
const provider = require("require-from-string")(require("node:fs").readFileSync(process.env.PROVIDER_FILE, "utf8")).handler();
Promise.resolve(provider.configure({ config: { get: (k) => ({ "dcs:endpoint": "http://127.0.0.1:9", "dcs:projectId": "0e1a2b3c4d5e6f708192a3b4c5d6e7f8", "dcs:accessKey": "AK", "dcs:secretKey": "SK" })[k] } }))
  .then(() => provider.check({}, JSON.parse(process.env.INPUTS)))
  .then(() => { process.stdout.write(JSON.stringify({ sinceStart: performance.now(), sinceLoad: performance.now() - t0 })); });
`;

const INPUTS: Record<string, unknown> = {
  masterStandbySwapProvider: { instanceId: "8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e01", triggers: ["x"] },
  clientIpPassThroughProvider: { instanceId: "8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e01", enabled: true },
  dcsJobProvider: { jobId: "ff8080818822bbf70188235afc24141a" },
};

export async function overheadBench(runs: number): Promise<OverheadRow[]> {
  const pulumi = nodeRequire("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
  const providers = nodeRequire("./dist/resources/providers.js") as Record<string, unknown>;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "dcs-bench-"));
  const rows: OverheadRow[] = [];
  try {
    for (const [name, provider] of Object.entries(providers)) {
      // allowSecrets as dynamic.Resource serializes (the text is the same unless a secret were captured).
      const { text } = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
      const file = path.join(work, `${name}.js`);
      fs.writeFileSync(file, text);
      const inChild: number[] = [];
      const wall: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t = process.hrtime.bigint();
        const r = spawnSync(process.execPath, ["-e", CHILD], {
          cwd: repoRoot, // the host resolves packages from the project folder
          env: { ...process.env, PROVIDER_FILE: file, INPUTS: JSON.stringify(INPUTS[name] ?? {}) },
          encoding: "utf8",
        });
        wall.push(Number(process.hrtime.bigint() - t) / 1e6);
        if (r.status !== 0) throw new Error(`provider ${name} failed in a fresh process: ${r.stderr}`);
        inChild.push(JSON.parse(r.stdout).sinceStart);
      }
      rows.push({ provider: name, serializedBytes: Buffer.byteLength(text), loadToCheckMs: summarize(inChild), processWallMs: summarize(wall) });
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return rows;
}
