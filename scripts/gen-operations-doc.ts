/** Writes docs/operations.md from the operation table: `npx tsx scripts/gen-operations-doc.ts`. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderOperationsDoc } from "./lib/operations-doc";

writeFileSync(join(__dirname, "..", "docs", "operations.md"), renderOperationsDoc());
console.log("wrote docs/operations.md");
