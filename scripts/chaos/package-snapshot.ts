/**
 * A private copy of the built package (package.json + dist/) for one chaos run. Trials run for minutes, and
 * other work in the same checkout may rebuild dist/ meanwhile: a provider host that starts while tsc is
 * rewriting dist/ dies on a half-written file ("could not read plugin ...: EOF"), which says nothing about
 * the package. Each trial's stack folder links `node_modules/pulumi-dcs-jobs` to the copy, so the program,
 * the serialized providers' `require("pulumi-dcs-jobs/runtime")` in the provider host and the host preload
 * all load the code that was built when the run began.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../lib/engine";

export interface PackageSnapshot {
  dir: string;
  /** Links `<workDir>/node_modules/pulumi-dcs-jobs` to the copy (and gives the folder its own package.json). */
  linkInto(workDir: string): void;
  remove(): void;
}

export function snapshotPackage(): PackageSnapshot {
  const base = path.join(repoRoot, ".e2e");
  fs.mkdirSync(base, { recursive: true });
  let lastError: unknown;
  // A rebuild running right now can leave a half-written file in the copy: check that it loads, else copy again.
  for (let attempt = 0; attempt < 10; attempt++) {
    const dir = fs.mkdtempSync(path.join(base, "chaos-pkg-"));
    try {
      fs.copyFileSync(path.join(repoRoot, "package.json"), path.join(dir, "package.json"));
      fs.cpSync(path.join(repoRoot, "dist"), path.join(dir, "dist"), { recursive: true });
      execFileSync(process.execPath, ["-e", "require(process.argv[1] + '/dist/index.js'); require(process.argv[1] + '/dist/resources/runtime.js')", dir], {
        stdio: ["ignore", "ignore", "pipe"],
        cwd: dir,
      });
      return {
        dir,
        linkInto(workDir) {
          // A package.json of its own: without one, Node resolves `pulumi-dcs-jobs` from the stack folder to the
          // checkout itself (the package scope of /work/main/package.json: self-reference wins over node_modules).
          fs.writeFileSync(path.join(workDir, "package.json"), JSON.stringify({ name: "dcs-chaos-stack", private: true }) + "\n");
          const link = path.join(workDir, "node_modules", "pulumi-dcs-jobs");
          fs.mkdirSync(path.dirname(link), { recursive: true });
          fs.symlinkSync(dir, link, "dir");
        },
        remove() {
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      lastError = err;
      fs.rmSync(dir, { recursive: true, force: true });
      execFileSync("sleep", ["3"]);
    }
  }
  throw new Error(`could not copy a loadable dist/ (run \`bash scripts/setup.sh\`): ${String(lastError)}`);
}
