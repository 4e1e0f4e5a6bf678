// Preloaded (node --import) into Framework and each data loader that labbook build or dev runs. Framework runs in a
// process group of its own, with its loaders: when the process that started it is gone (labbook killed with SIGKILL,
// which it cannot trap, or Framework killed alone under a loader), the whole group is killed, so no Framework and no
// loader of a dead build keeps running and renames an output into the loader cache. Plain JavaScript: it runs in
// Framework's node, which has no TypeScript loader.
import { readFileSync } from "node:fs";

/** The parent's pid as the kernel has it now (process.ppid keeps the one at startup). */
function currentParent() {
  try {
    // /proc/self/stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses, so parse after the last ")".
    const stat = readFileSync("/proc/self/stat", "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

function parentGone(parent) {
  const now = currentParent();
  if (now !== undefined) return now !== parent;
  try {
    process.kill(parent, 0);
    return false;
  } catch (error) {
    return error.code !== "EPERM";
  }
}

if (process.env.LABBOOK_WATCHDOG === "1") {
  const parent = process.ppid;
  setInterval(() => {
    if (!parentGone(parent)) return;
    try {
      // Pid 0: this process's group, which labbook made Framework's own.
      process.kill(0, "SIGKILL");
    } finally {
      process.exit(137);
    }
  }, 200).unref();
}
