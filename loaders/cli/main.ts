import { LabbookError } from "../errors.ts";
import { main } from "./invoke.ts";

// Node ignores SIGPIPE, so a reader that stops early (labbook sql … | head) shows up as EPIPE. That is not a failure:
// the rest of the output is dropped and the command ends with its own exit code, as the reader got what it wanted.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}

// The AWS SDK warns on every run under Node 20 about its releases after 2027; the lockfile pins ours. The process's
// environment belongs to this entry point, so this is the one place that sets a variable in it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const controller = new AbortController();
let interrupts = 0;
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    // The first signal asks the command to clean up; a second one gives up waiting.
    if (++interrupts > 1) process.exit(130);
    controller.abort(new LabbookError("interrupted", { code: "E_INTERRUPTED" }));
  });
}
// main decides: an interrupt that came after the command finished does not turn its success into 130.
process.exitCode = await main(process.argv.slice(2), controller.signal);
