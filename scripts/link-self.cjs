// Makes `require("pulumi-dcs-jobs/...")` resolve inside this repository, as it does in a user's project
// where the package sits in node_modules. The serialized dynamic provider loads its runtime by package
// name at call time (so that Pulumi state holds a few KB, not the HTTP stack), and the demo, the examples
// and the end-to-end tests run from this checkout.
const fs = require("node:fs");
const path = require("node:path");
const root = path.resolve(__dirname, "..");
const link = path.join(root, "node_modules", "pulumi-dcs-jobs");
fs.mkdirSync(path.dirname(link), { recursive: true });
try {
  const st = fs.lstatSync(link);
  if (st.isSymbolicLink() && path.resolve(path.dirname(link), fs.readlinkSync(link)) === root) process.exit(0);
  fs.rmSync(link, { recursive: true, force: true });
} catch {}
fs.symlinkSync(path.relative(path.dirname(link), root), link, "dir");
