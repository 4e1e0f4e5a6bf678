import { watch } from "node:fs";
import { utimes } from "node:fs/promises";
import path from "node:path";
import { PINS_FILE } from "../../lineage/pins.ts";
import { invalidateSite, prepareSite, siteRoot } from "../../site/build.ts";
import { runFramework } from "../../site/framework.ts";
import { intOption } from "../args.ts";
import { defineCommand, type CommandContext } from "../command.ts";

export default defineCommand({
  name: "dev",
  usage: "[--port N] [--no-open]",
  description:
    "Preview the report site with live reload (observable preview). Prepares the pinned data like `build` does.\n" +
    "Editing a page or a loader reloads it in the browser. A loader also runs again when a file it imports changes,\n" +
    "when a dataset it reads is re-pinned (lineage/pins.json) or when a lineage record it reads is rewritten. New\n" +
    "pages, front matter and new pins update the sidebar and the templated pages (such as one page per protocol).",
  json: false,
  options: {
    port: { type: "string", valueName: "N", description: "Port to listen on (default 3000, or the next free one)" },
    "no-open": { type: "boolean", description: "Do not open a browser" },
  },
  examples: ["labbook dev", "LABBOOK_PINS=exp-reminders labbook dev --port 4000 --no-open"],
  async run(ctx) {
    const port = ctx.values.port === undefined ? undefined : intOption(ctx.values, "port", 3000, 1, 65535);
    const { invalidation, frameworkEnv } = await prepareSite(ctx.config, { log: ctx.log, signal: ctx.signal });
    ctx.log.info(`dev: pin set "${ctx.config.pinSet}"; loaders to re-run: ${invalidation.rerun.join(", ") || "none"}`);
    const stop = watchInputs(ctx);
    try {
      const args = [
        "preview",
        ...(port ? ["--port", String(port)] : []),
        ...(ctx.values["no-open"] ? ["--no-open"] : []),
      ];
      await runFramework(args, { root: ctx.config.root, env: frameworkEnv, signal: ctx.signal });
    } catch (error) {
      // Ctrl-C is how a preview ends: a normal stop (exit 130, as every interrupted command), not a warning.
      if (!ctx.signal.aborted) throw error;
      ctx.log.info("dev: stopped");
      return 130;
    } finally {
      stop();
    }
  },
});

/**
 * Keeps the preview true to the pins and the code. On a change to the pins, a lineage record, or any file under
 * loaders/ or src/: re-fingerprints every loader, removes the stale outputs and touches those loaders' files, which
 * Framework's preview watches, so it runs them again and reloads their pages. A change to the pages themselves (a new
 * page, its front matter, a family's list) or to the pins also touches the config, so the sidebar, the templated
 * pages and the footers are derived again.
 */
function watchInputs(ctx: CommandContext): () => void {
  let timer: NodeJS.Timeout | undefined;
  let layout = false;
  const root = siteRoot(ctx.config);
  const refresh = async () => {
    const { invalidation, loaders } = await invalidateSite(ctx.config, process.env, { stamps: false });
    const now = new Date();
    const stale = loaders.filter((l) => invalidation.rerun.includes(l.name) && !l.volatile);
    if (stale.length) ctx.log.info(`dev: inputs changed; re-running ${stale.map((l) => l.name).join(", ")}`);
    for (const loader of stale) await utimes(path.join(root, loader.file), now, now).catch(() => {});
    if (layout) await utimes(path.join(ctx.config.root, "observablehq.config.ts"), now, now).catch(() => {});
    layout = false;
  };
  const changed = (relayout: boolean) => {
    layout ||= relayout;
    clearTimeout(timer);
    // Files are replaced by a rename (pins.json, records): wait for the writer to finish.
    timer = setTimeout(() => refresh().catch((e) => ctx.log.warn(`dev: ${(e as Error).message}`)), 300);
  };
  const watchers = [
    watch(ctx.config.lineageDir, { recursive: true }, (_e, file) => {
      if (file && /(^|\/)(pins\.json|[0-9a-f]{64}\.json)$/.test(file)) changed(file === PINS_FILE);
    }),
    watch(path.join(ctx.config.root, "loaders"), { recursive: true }, (_e, file) => {
      if (file?.endsWith(".ts")) changed(false);
    }),
    watch(root, { recursive: true }, (_e, file) => {
      if (!file || file.split(path.sep).some((p) => p.startsWith("."))) return;
      if (/\.(md|sql|ts)$/.test(file)) changed(/\.(md|paths\.sql)$/.test(file));
    }),
  ];
  return () => {
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
