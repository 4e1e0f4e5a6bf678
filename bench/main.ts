/**
 * `npm run bench [-- <name> [options]]`: the design's speed and memory targets, each measured against a floor taken
 * in the same run. With no name, every benchmark runs in order with its defaults (ingest first: verify reads the
 * version it writes).
 */
const benches: Record<string, { about: string; load: () => Promise<{ run(args: string[]): Promise<void> }> }> = {
  ingest: {
    about: "5M events PostgreSQL → versioned Parquet vs the bare COPY; peak RSS (--events N --small N --runs R)",
    load: () => import("./ingest.ts"),
  },
  verify: {
    about: "labbook verify of the largest version vs reading its file, cold and warm (--dataset NAME --runs R)",
    load: () => import("./verify.ts"),
  },
  chaos: {
    about: "kill -9 of ingest, run, pin, gc, push and build at random moments; verify, debris, next run (--kills N)",
    load: () => import("./chaos.ts"),
  },
  incremental: {
    about: "partitioned ingest after one new day and ten old updates vs a full one (--grain day|month)",
    load: () => import("./incremental.ts"),
  },
  build: {
    about: "cold demo-site build from pins with no database; rebuild after a re-pin (--events N --runs R)",
    load: () => import("./build.ts"),
  },
};

const [name, ...rest] = process.argv.slice(2);
if (name === "--help" || name === "-h") {
  const lines = Object.entries(benches).map(([n, b]) => `  ${n.padEnd(7)} ${b.about}`);
  process.stdout.write(`usage: npm run bench [-- <name> [options]]\n\n${lines.join("\n")}\n`);
} else if (name === undefined) {
  for (const bench of Object.values(benches)) await (await bench.load()).run([]);
} else if (!benches[name]) {
  process.stderr.write(`unknown benchmark "${name}": use one of ${Object.keys(benches).join(", ")}, or --help\n`);
  process.exitCode = 2;
} else {
  await (await benches[name].load()).run(rest);
}
