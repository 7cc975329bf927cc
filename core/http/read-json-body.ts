import type { IncomingMessage } from "node:http";
import { LcError } from "../errors.js";

/** Largest accepted request body by default, in bytes. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;

/** How long a request body may take to arrive by default: a comment is small. */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Whether the request declares a JSON body (`application/json`, any parameters). */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const mediaType = header.split(";", 1)[0]!.trim().toLowerCase();
  return mediaType === "application/json";
}

/**
 * Reads a JSON request body of at most `maxBytes`: 415 unless declared JSON, 413 when larger
 * (refused from Content-Length before reading when it says so), 408 when it is not complete
 * within `timeoutMs` (a poster trickling bytes holds nothing for long, on HTTP/1.1 or HTTP/2),
 * 400 for bad UTF-8 or JSON. An empty body is refused too. The parsed value is returned
 * unvalidated.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes = DEFAULT_MAX_BODY_BYTES, timeoutMs = DEFAULT_BODY_TIMEOUT_MS): Promise<unknown> {
  if (!isJsonContentType(req.headers["content-type"])) {
    throw new LcError("unsupported_media_type", "the body must be application/json");
  }
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > maxBytes) {
    throw new LcError("payload_too_large", `the body must be at most ${maxBytes} bytes`);
  }
  const bytes = await readBytes(req, maxBytes, timeoutMs);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new LcError("invalid_json", "the body is not valid UTF-8");
  }
  if (text.trim() === "") throw new LcError("invalid_json", "the body is empty");
  try {
    return JSON.parse(text);
  } catch {
    throw new LcError("invalid_json", "the body is not valid JSON");
  }
}

function readBytes(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: LcError | undefined) => {
      clearTimeout(timer);
      req.off("data", onData).off("end", onEnd).off("error", onError).off("aborted", onAborted);
      if (error) {
        req.pause();
        reject(error);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish(new LcError("payload_too_large", `the body must be at most ${maxBytes} bytes`));
      else chunks.push(chunk);
    };
    const onEnd = () => finish(undefined);
    const onError = (error: Error) => finish(new LcError("invalid_argument", "the request body could not be read", { cause: error }));
    const onAborted = () => finish(new LcError("invalid_argument", "the client abandoned the request"));
    const timer = setTimeout(() => finish(new LcError("request_timeout", `the body did not arrive within ${timeoutMs} ms`)), timeoutMs);
    req.on("data", onData).on("end", onEnd).on("error", onError).on("aborted", onAborted);
  });
}
