import type { IncomingMessage } from "node:http";
import { LcError } from "../errors.js";

/** Largest accepted request body by default, in bytes. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Whether the request declares a JSON body (`application/json`, any parameters). */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const mediaType = header.split(";", 1)[0]!.trim().toLowerCase();
  return mediaType === "application/json";
}

/**
 * Reads a JSON request body of at most `maxBytes`: 415 unless declared JSON, 413 when larger
 * (refused from Content-Length before reading when it says so), 400 for bad UTF-8 or JSON.
 * An empty body is refused too. The parsed value is returned unvalidated.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<unknown> {
  if (!isJsonContentType(req.headers["content-type"])) {
    throw new LcError("unsupported_media_type", "the body must be application/json");
  }
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > maxBytes) {
    throw new LcError("payload_too_large", `the body must be at most ${maxBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new LcError("payload_too_large", `the body must be at most ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  let text: string;
  try {
    text = utf8.decode(Buffer.concat(chunks, size));
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
