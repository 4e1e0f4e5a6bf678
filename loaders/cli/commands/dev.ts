import { prepareSite } from "../../site/build.ts";
import { runFramework } from "../../site/framework.ts";
import { intOption } from "../args.ts";
import { defineCommand } from "../command.ts";

export default defineCommand({
  name: "dev",
  usage: "[--port N] [--no-open]",
  description:
    "Preview the report site with live reload (observable preview). Prepares the pinned data like `build` does, and\n" +
    "removes cached loader outputs whose pinned inputs changed; editing a page or a loader reloads it in the browser.\n" +
    "After re-pinning, restart dev (or run build) to refresh the affected pages.",
  json: false,
  options: {
    port: { type: "string", valueName: "N", description: "Port to listen on (default 3000, or the next free one)" },
    "no-open": { type: "boolean", description: "Do not open a browser" },
  },
  examples: ["labbook dev", "LABBOOK_PINS=exp-reminders labbook dev --port 4000 --no-open"],
  async run(ctx) {
    const port = ctx.values.port === undefined ? undefined : intOption(ctx.values, "port", 3000, 1);
    const { invalidation, frameworkEnv } = await prepareSite(ctx.config, { log: ctx.log, signal: ctx.signal });
    ctx.log.info(`dev: pin set "${ctx.config.pinSet}"; loaders to re-run: ${invalidation.rerun.join(", ") || "none"}`);
    const args = [
      "preview",
      ...(port ? ["--port", String(port)] : []),
      ...(ctx.values["no-open"] ? ["--no-open"] : []),
    ];
    await runFramework(args, { root: ctx.config.root, env: frameworkEnv, signal: ctx.signal });
  },
});
