import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect as tlsConnect } from "node:tls";
import { connect as http2Connect } from "node:http2";
import { connect } from "node:net";

/** The head of an HTTP/1.1 response read off a raw socket. */
export interface ResponseHead {
  readonly status: number;
  /** Header names are matched without regard to case. */
  readonly headers: Headers;
  /** Where the body starts in what was read: just past the head's blank line. */
  readonly bodyStart: number;
  /** The body's length when the response gives one (none for SSE or chunked bodies). */
  readonly contentLength: number | undefined;
}

const HEAD_END = "\r\n\r\n";

/**
 * Reads the response head starting at `from` in what a socket delivered so far (as latin1
 * text, or bytes); undefined until the whole head is there. The one parser of raw responses
 * for tests and benches, which talk to the server below any HTTP client to see what it sends.
 */
export function readResponseHead(received: string | Buffer, from = 0): ResponseHead | undefined {
  const end = received.indexOf(HEAD_END, from);
  if (end < 0) return undefined;
  const text = typeof received === "string" ? received.slice(from, end) : received.toString("latin1", from, end);
  const [statusLine = "", ...lines] = text.split("\r\n");
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const length = headers.get("content-length");
  return {
    status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0),
    headers,
    bodyStart: end + HEAD_END.length,
    contentLength: length === null ? undefined : Number(length),
  };
}

/** A raw response: its head, when one arrived, and everything the server sent. */
export interface RawExchange {
  readonly head: ResponseHead | undefined;
  /** Everything received, as UTF-8 text. */
  readonly text: string;
  /** The body, after the head. */
  readonly body: string;
}

/**
 * Sends `request` as it is on a new connection to 127.0.0.1:`port` and collects what comes
 * back until the server closes, `done(received)` holds, or `timeoutMs` passes.
 */
export function rawExchange(port: number, request: string, options: { done?: (text: string) => boolean; timeoutMs?: number } = {}): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), options.timeoutMs ?? 5_000);
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (options.done?.(received.toString("utf8"))) socket.destroy();
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      const head = readResponseHead(received);
      resolve({ head, text: received.toString("utf8"), body: head ? received.subarray(head.bodyStart).toString("utf8") : "" });
    });
  });
}

/** A response read whole by {@link httpExchange}. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/**
 * One request over HTTP/1.1 (node:http) or cleartext HTTP/2 (node:http2, prior knowledge),
 * with full control of the headers (`Origin`, `X-Forwarded-For`) and of the local address the
 * connection comes from (any of 127.0.0.0/8 on loopback), which fetch offers neither of.
 * `untilHead` answers as soon as the head arrives (for SSE) and leaves the stream open until
 * `close()`. An `https:` URL goes over TLS, verified against `tls.ca`, with `tls.cert` and
 * `tls.key` as the client certificate when given (HTTP/2 then by ALPN).
 */
export async function httpExchange(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    localAddress?: string;
    http2?: boolean;
    untilHead?: boolean;
    tls?: { ca: Buffer; cert?: Buffer; key?: Buffer };
  } = {},
): Promise<HttpAnswer & { close(): void }> {
  const target = new URL(url);
  const method = options.method ?? "GET";
  const headers = { ...options.headers, ...(options.body === undefined ? {} : { "content-length": String(Buffer.byteLength(options.body)) }) };
  if (options.http2) {
    const local = options.localAddress ? { localAddress: options.localAddress } : {};
    const session = http2Connect(target.origin, {
      createConnection: () =>
        target.protocol === "https:"
          ? tlsConnect({ host: target.hostname, port: Number(target.port), ...local, ...options.tls, ALPNProtocols: ["h2"] })
          : connect({ host: target.hostname, port: Number(target.port), ...local }),
    });
    session.on("error", () => {});
    const stream = session.request({ ":method": method, ":path": target.pathname + target.search, ...headers });
    stream.end(options.body);
    const head = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
      stream.once("response", resolve);
      stream.once("error", reject);
    });
    const answerHeaders = new Headers();
    for (const [name, value] of Object.entries(head)) if (!name.startsWith(":") && value !== undefined) answerHeaders.set(name, String(value));
    const close = () => {
      stream.close();
      session.close();
    };
    const text = options.untilHead ? "" : await collect(stream);
    if (!options.untilHead) close();
    return { status: Number(head[":status"]), headers: answerHeaders, text, close };
  }
  return new Promise((resolve, reject) => {
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method,
        headers,
        agent: false,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        ...options.tls,
      },
      (res) => {
        const answerHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers))
          if (value !== undefined) answerHeaders.set(name, Array.isArray(value) ? value.join(", ") : value);
        const close = () => res.destroy();
        if (options.untilHead) return resolve({ status: res.statusCode ?? 0, headers: answerHeaders, text: "", close });
        collect(res).then((text) => resolve({ status: res.statusCode ?? 0, headers: answerHeaders, text, close }), reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

async function collect(stream: AsyncIterable<Buffer | string>): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += chunk.toString();
  return text;
}
