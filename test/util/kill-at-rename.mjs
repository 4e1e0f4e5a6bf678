// Preloaded with `node --import` (through NODE_OPTIONS) into a labbook process that a test kills at an exact moment.
// With LABBOOK_KILL_AT_RENAME="<before|after>:<n>:<pattern>", the process kills itself with SIGKILL just before, or
// just after, its n-th rename onto a path that matches the regular expression <pattern>. Every file reaches the
// store by a rename (a journal, a partition object, a manifest, a lineage record, a verified mark), so the kill lands
// between two steps of a commit, as a crash there would, with no sleep or poll that a busy machine could outrun.
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import process from "node:process";

const spec = process.env.LABBOOK_KILL_AT_RENAME;
const parsed = spec ? /^(before|after):(\d+):(.+)$/.exec(spec) : null;
if (spec && !parsed) throw new Error(`LABBOOK_KILL_AT_RENAME: expected "<before|after>:<n>:<pattern>", got ${spec}`);
if (parsed) {
  const [, when, n, source] = parsed;
  const pattern = new RegExp(source);
  let seen = 0;
  const rename = fs.promises.rename;
  const die = () => process.kill(process.pid, "SIGKILL");
  fs.promises.rename = async function (from, to) {
    const hit = pattern.test(String(to)) && ++seen === Number(n);
    if (hit && when === "before") die();
    await rename.call(this, from, to);
    if (hit) die();
  };
  // Modules import { rename } from "node:fs/promises": their bindings follow the property only once synced.
  syncBuiltinESMExports();
}
