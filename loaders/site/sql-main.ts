// Framework's interpreter for `.sql` data loaders (see observablehq.config.ts): `sql-main.ts <file> [--param=value…]`.
import { loadConfig, loadDotEnv } from "../config.ts";
import { guarded, write } from "./loader.ts";
import { pseudonymKey } from "../pseudonym.ts";
import { runSqlLoader } from "./sql-loader.ts";
import { stampOutput } from "./stamps.ts";

const [file, ...args] = process.argv.slice(2);
await guarded(file ?? "a SQL loader", async () => {
  loadDotEnv();
  const config = loadConfig(process.env);
  // Framework passes a route's parameters as --name=value (the value may itself hold "=").
  const params = Object.fromEntries(
    args.flatMap((a) => {
      const m = /^--([A-Za-z0-9_]+)=([\s\S]*)$/.exec(a);
      return m ? [[m[1]!, m[2]!]] : [];
    }),
  );
  const key = await pseudonymKey(config, process.env);
  const digest = await write(await runSqlLoader({ config, file: file!, params, key }));
  await stampOutput(process.env, file!, digest);
});
