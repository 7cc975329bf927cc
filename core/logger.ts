import { pino } from "pino";

/** Structured logging, injected so that roles and tests choose where lines go. */
export interface Logger {
  /** Whether debug lines are written: hot paths check it before building their fields. */
  readonly debugging: boolean;
  /** Per-request and per-comment detail: off unless LC_LOG=debug. */
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Log bytes held while stderr is not taken; past it, lines are dropped. */
const MAX_LOG_BUFFER_BYTES = 16 * 1024 * 1024;

/** How much a process logs: `info` (the default) says what happens to the process, not per request. */
export type LogLevel = "debug" | "info" | "quiet";

/**
 * Writes one JSON object per line to stderr with pino (`level`, `time`, `role`, `msg`, the
 * fields; an error under `err` with its type, message and stack). `quiet` keeps warnings and
 * errors only. `npm start | npx pino-pretty` reads it as text.
 */
export function createJsonLogger(options: { level?: LogLevel; role?: string } = {}): Logger {
  const level = options.level === "quiet" ? "warn" : (options.level ?? "info");
  // Asynchronous, so a slow reader of stderr (a log shipper, a pipe nobody drains) never blocks
  // the event loop; bounded, so a reader that stops costs at most MAX_LOG_BUFFER_BYTES of lines.
  const destination = pino.destination({ fd: 2, sync: false, maxLength: MAX_LOG_BUFFER_BYTES });
  process.once("exit", () => {
    try {
      destination.flushSync();
    } catch {
      // stderr is gone or would block: what is left cannot be written anyway
    }
  });
  const base = pino({ level, base: options.role ? { role: options.role } : null }, destination);
  const at = (write: pino.LogFn) => (message: string, fields?: Record<string, unknown>) =>
    fields ? write.call(base, fields, message) : write.call(base, message);
  return { debugging: level === "debug", debug: at(base.debug), info: at(base.info), warn: at(base.warn), error: at(base.error) };
}

/** A logger that drops everything, for tests. */
export const silentLogger: Logger = { debugging: false, debug() {}, info() {}, warn() {}, error() {} };
