/** docs/operations.md is generated from the operation table: it must be what the generator renders now. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OPERATIONS } from "../provider/operations";
import { renderOperationsDoc } from "../scripts/lib/operations-doc";

describe("docs/operations.md", () => {
  it("equals what the table renders (run `npx tsx scripts/gen-operations-doc.ts` after changing the table)", () => {
    expect(readFileSync(join(__dirname, "..", "docs", "operations.md"), "utf8")).toBe(renderOperationsDoc());
  });

  it("has a section for every operation, with its request and a CLI example", () => {
    const doc = renderOperationsDoc();
    for (const op of OPERATIONS) {
      expect(doc).toContain(`## \`${op.cli}\`: ${op.name}`);
      expect(doc).toContain(`\`${op.method} ${op.path}\``);
      expect(doc).toContain(`dcs-jobs run ${op.cli}`);
    }
  });
});
