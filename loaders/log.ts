/** Where the library reports progress. It never prints by itself: the CLI hands it a logger that writes to stderr. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  /** Transient progress; a TTY logger redraws it in place, others may drop it. */
  progress(message: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, progress() {} };

export function stderrLogger(stream: NodeJS.WriteStream = process.stderr, quiet = false): Logger {
  let transient = false;
  const clear = () => {
    if (transient) stream.write("\r\x1b[K");
    transient = false;
  };
  return {
    info(message) {
      if (quiet) return;
      clear();
      stream.write(`${message}\n`);
    },
    warn(message) {
      clear();
      stream.write(`warning: ${message}\n`);
    },
    progress(message) {
      if (quiet || !stream.isTTY) return;
      stream.write(`\r\x1b[K${message}`);
      transient = true;
    },
  };
}

/** Collects messages, for tests. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => void lines.push(m),
    warn: (m) => void lines.push(`warning: ${m}`),
    progress: () => {},
  };
}
