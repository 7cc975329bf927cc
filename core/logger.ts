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

/** How much a process logs: `info` (the default) says what happens to the process, not per request. */
export type LogLevel = "debug" | "info" | "quiet";

/**
 * Writes one JSON object per line to stderr with pino (`level`, `time`, `role`, `msg`, the
 * fields; an error under `err` with its type, message and stack). `quiet` keeps warnings and
 * errors only. `npm start | npx pino-pretty` reads it as text.
 */
export function createJsonLogger(options: { level?: LogLevel; role?: string } = {}): Logger {
  const level = options.level === "quiet" ? "warn" : (options.level ?? "info");
  const base = pino({ level, base: options.role ? { role: options.role } : null }, pino.destination({ fd: 2, sync: true }));
  const at = (write: pino.LogFn) => (message: string, fields?: Record<string, unknown>) => (fields ? write.call(base, fields, message) : write.call(base, message));
  return { debugging: level === "debug", debug: at(base.debug), info: at(base.info), warn: at(base.warn), error: at(base.error) };
}

/** A logger that drops everything, for tests. */
export const silentLogger: Logger = { debugging: false, debug() {}, info() {}, warn() {}, error() {} };
