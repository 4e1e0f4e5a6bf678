import { watch } from "node:fs";
import { utimes } from "node:fs/promises";
import path from "node:path";
import { PINS_FILE } from "../../lineage/pins.ts";
import { invalidateSite, prepareSite, siteRoot } from "../../site/build.ts";
import { runFramework } from "../../site/framework.ts";
import { siteLoaders } from "../../site/manifest.ts";
import { intOption } from "../args.ts";
import { defineCommand, type CommandContext } from "../command.ts";

export default defineCommand({
  name: "dev",
  usage: "[--port N] [--no-open]",
  description:
    "Preview the report site with live reload (observable preview). Prepares the pinned data like `build` does.\n" +
    "Editing a page or a loader reloads it in the browser; so does re-pinning: when lineage/pins.json changes, the\n" +
    "loaders that read a re-pinned dataset run again. A protocol added by new pins gets its page after a restart.",
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
    const stop = watchPins(ctx);
    try {
      const args = [
        "preview",
        ...(port ? ["--port", String(port)] : []),
        ...(ctx.values["no-open"] ? ["--no-open"] : []),
      ];
      await runFramework(args, { root: ctx.config.root, env: frameworkEnv, signal: ctx.signal });
    } finally {
      stop();
    }
  },
});

/**
 * On a change to pins.json, removes the stale loader outputs and touches those loaders' files: Framework's preview
 * watches them, so it runs them again and reloads the pages that use them.
 */
function watchPins(ctx: CommandContext): () => void {
  let timer: NodeJS.Timeout | undefined;
  const refresh = async () => {
    const { invalidation } = await invalidateSite(ctx.config);
    ctx.log.info(`dev: pins changed; re-running ${invalidation.rerun.join(", ")}`);
    const now = new Date();
    for (const name of invalidation.rerun) {
      const loader = siteLoaders.find((l) => l.name === name)!;
      await utimes(path.join(siteRoot(ctx.config), loader.file), now, now);
    }
  };
  const watcher = watch(ctx.config.lineageDir, (_event, file) => {
    if (file !== PINS_FILE) return;
    clearTimeout(timer);
    // pins.json is replaced by a rename: wait for the writer to finish.
    timer = setTimeout(() => refresh().catch((e) => ctx.log.warn(`dev: ${(e as Error).message}`)), 300);
  });
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
