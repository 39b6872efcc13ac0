/**
 * Writes the provider plugin's Pulumi package schema to `schema.json` (package root), generated from the
 * resource descriptors (provider/plugin/resources.ts). `--check`: only compares, exits 1 when the file is stale.
 * Run with `npm run schema` (or `npm run schema -- --check`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { packageVersion } from "../provider/plugin/main";
import { schemaText } from "../provider/plugin/schema";

const file = path.resolve(__dirname, "..", "schema.json");
const text = schemaText({ version: packageVersion() });
if (process.argv.includes("--check")) {
  const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  if (current !== text) {
    console.error(`${file} is stale: run \`npm run schema\``);
    process.exit(1);
  }
  console.log(`${file} is up to date`);
} else {
  fs.writeFileSync(file, text);
  console.log(`wrote ${file} (${text.length} bytes)`);
}
