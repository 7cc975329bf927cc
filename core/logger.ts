/** Structured logging, injected so that roles and tests choose where lines go. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Writes one JSON object per line to stderr; `quiet` keeps only warnings and errors. */
export function createJsonLogger(options: { quiet?: boolean } = {}): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>) => {
    const line: Record<string, unknown> = { level, time: Date.now(), msg: message, ...fields };
    if (fields?.err instanceof Error) line.err = { message: fields.err.message, stack: fields.err.stack };
    process.stderr.write(JSON.stringify(line) + "\n");
  };
  return {
    info: (message, fields) => { if (!options.quiet) write("info", message, fields); },
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
  };
}

/** A logger that drops everything, for tests. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
