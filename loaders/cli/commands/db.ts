import { embeddedStatus, startEmbedded, stopEmbedded, type EmbeddedMode } from "../../sources/embedded.ts";
import { describeUrl } from "../../sources/postgres.ts";
import { usageError } from "../../errors.ts";
import { defineCommand, printJson } from "../command.ts";

const MODES: Record<EmbeddedMode, string> = {
  persistent: 'persistent: runs until "labbook db stop"',
  "on-demand": "on demand: the last labbook command to finish stops it",
};

export default defineCommand({
  name: "db",
  usage: "status|start|stop",
  description:
    "Show or control the embedded PostgreSQL server that labbook uses when DATABASE_URL is unset.\n" +
    "Other commands start it on demand, and the last labbook command to finish stops it again; `db start` keeps it\n" +
    "running until `db stop`. `db status` says which, and lists the labbook processes connected to it.\n" +
    "ingest and build seed it with the demo data (as labbook seed) when it has no source tables yet.",
  examples: ["labbook db status", "labbook db start", "labbook db stop"],
  async run(ctx) {
    const [action = "status", ...extra] = ctx.positionals;
    if (extra.length || !["status", "start", "stop"].includes(action)) {
      throw usageError(`labbook db: expected status, start or stop, got "${ctx.positionals.join(" ")}"`);
    }
    const { dataDir, databaseUrl } = ctx.config;
    if (databaseUrl && action !== "status") {
      ctx.log.warn("DATABASE_URL is set, so labbook does not use the embedded server; acting on it anyway");
    }
    if (action === "start") {
      const server = await startEmbedded(dataDir, ctx.log, "persistent");
      if (!server.started) ctx.log.info(`embedded PostgreSQL: already running on 127.0.0.1:${server.port}`);
    } else if (action === "stop") {
      if (!(await stopEmbedded(dataDir, ctx.log))) ctx.log.info("embedded PostgreSQL: not running");
    }
    const status = await embeddedStatus(dataDir);
    const result = {
      using: databaseUrl ? "DATABASE_URL" : "embedded",
      ...(databaseUrl ? { databaseUrl: describeUrl(databaseUrl).uri } : {}),
      embedded: status,
    };
    if (ctx.json) return printJson(ctx, result);
    ctx.out(
      [
        `using:     ${databaseUrl ? `DATABASE_URL (${result.databaseUrl})` : "embedded PostgreSQL"}`,
        `embedded:  ${status.running ? `running on 127.0.0.1:${status.port} (pid ${status.pid})` : status.initialised ? "stopped" : "not created yet"}`,
        ...(status.mode ? [`mode:      ${MODES[status.mode]}`] : []),
        ...(status.clients
          ? [`clients:   ${status.clients.length ? `labbook pids ${status.clients.join(", ")}` : "none"}`]
          : []),
        `data dir:  ${status.pgdata}`,
        ...(status.running
          ? []
          : [`hint:      "labbook db start" keeps it running; its log is ${status.pgdata}/server.log`]),
      ].join("\n"),
    );
  },
});
