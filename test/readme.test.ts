/** The README's usage example is the file examples/readme-usage.ts, which the typecheck compiles. */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "..");

describe("README", () => {
  it("shows the usage example that examples/readme-usage.ts compiles, unchanged", () => {
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
    const block = /## Usage in a Pulumi stack[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    const file = fs.readFileSync(path.join(root, "examples", "readme-usage.ts"), "utf8").split("\n").slice(1).join("\n");
    expect(block).toBeDefined();
    expect(file).toBe(block);
  });

  it("starts with the two commands, and CI runs exactly the test one", () => {
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
    const commands = /```sh\n([\s\S]*?)```/.exec(readme)![1]!.trim().split("\n").map((l) => l.split("#")[0]!.trim());
    expect(commands).toEqual(["npm run demo", "npm test"]);
    expect(fs.readFileSync(path.join(root, ".ci", "run"), "utf8")).toMatch(/^npm test$/m);
  });
});
