import { getDataset } from "../../datasets/index.ts";
import { usageError } from "../../errors.ts";
import { verifyStore } from "../../store/verify.ts";
import { parseRef } from "../../lineage/version.ts";
import { defineCommand, printJson } from "../command.ts";
import { formatBytes } from "../units.ts";

export default defineCommand({
  name: "verify",
  usage: "[dataset[@version]]",
  description:
    "Re-hash objects in the store and check each lineage record against its object: the sha256, the size and the\n" +
    "row count in the Parquet footer. Reports every missing, corrupt or orphaned object and every unreadable lineage\n" +
    "record by name and exits 1 if any. A version whose object is absent counts as missing only when the working\n" +
    "tree pins it or you name it; versions that gc removed (data/gc.json), that an offload moved to a zip\n" +
    "(data/offload/index.json) or that were never pulled are listed as absent, which is not an error. Temp files\n" +
    "that killed labbook processes left, and the files of a commit killed before its version was recorded, are\n" +
    "listed as debris, also not an error: labbook gc removes them.",
  examples: ["labbook verify", "labbook verify behavioral_events", "labbook verify behavioral_events@3f2a9c1d --json"],
  async run(ctx) {
    const [ref, ...extra] = ctx.positionals;
    if (extra.length) throw usageError("labbook verify: name at most one dataset[@version]");
    const target = ref ? parseRef(ref) : undefined;
    if (target && !ref!.includes("@")) getDataset(target.dataset);
    const result = await verifyStore(ctx.config, {
      dataset: target?.dataset,
      version: ref?.includes("@") ? (target!.version ?? "latest") : undefined,
      log: ctx.log,
      signal: ctx.signal,
    });
    const ok = result.problems.length === 0;
    if (ctx.json) printJson(ctx, { ok, ...result, mbPerSecond: round(result.mbPerSecond) });
    else {
      for (const p of result.problems) ctx.out(`${p.kind}: ${p.detail} (${p.path})`);
      const gc = result.absent.filter((a) => a.reason === "gc").length;
      const offloaded = result.absent.filter((a) => a.reason === "offloaded").length;
      if (result.absent.length)
        ctx.log.info(
          `${result.absent.length} unpinned versions are not in this store (${gc} removed by gc, ` +
            `${offloaded} offloaded to zips listed in data/offload/index.json)`,
        );
      for (const d of result.debris)
        ctx.log.warn(
          `debris: ${d.path}${d.detail ? ` (${d.detail})` : ""} was left by process ${d.pid}, which is gone ` +
            "(labbook gc removes it)",
        );
      ctx.log.info(
        `verified ${result.checked} objects, ${formatBytes(result.bytes)} at ${round(result.mbPerSecond)} MB/s`,
      );
    }
    if (!ok) {
      ctx.log.warn(`${result.problems.length} problem(s) found`);
      return 1;
    }
  },
});

const round = (x: number) => Math.round(x * 10) / 10;
