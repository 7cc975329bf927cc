import { createRequire } from "node:module";
import type { Socket } from "node:net";

/** What the fix touches of kafkajs's broker connection (kafkajs 2.2.x). */
interface ConnectionState {
  host: string;
  port: number;
  socket: Socket | undefined;
  isConnected(): boolean;
  rejectRequests(error: Error): void;
  disconnect(): Promise<boolean>;
  send(request: unknown): Promise<unknown>;
}

/**
 * kafkajs keeps using a connection whose request timed out (tulios/kafkajs#919, never fixed):
 * after a network cut that sent no RST or FIN, every later request waits on the same dead
 * socket until TCP's retransmissions get through, which after a 20 s cut can be more than 10 s
 * after the network is back. librdkafka and the Java client close a connection on a request
 * timeout; this makes kafkajs do the same: the connection's other requests fail as a lost
 * connection (retriable: kafkajs and the callers reconnect), and the socket is destroyed.
 */
export function applyKafkajsTimeoutDisconnect(): void {
  const require = createRequire(import.meta.url);
  const Connection = require("kafkajs/src/network/connection.js") as { prototype: ConnectionState };
  const { KafkaJSConnectionError } = require("kafkajs/src/errors.js") as { KafkaJSConnectionError: new (message: string, details: object) => Error };
  const send = Connection.prototype.send;
  if ((send as { timeoutDisconnects?: boolean }).timeoutDisconnects) return;
  const sendThenDropOnTimeout = async function (this: ConnectionState, request: unknown): Promise<unknown> {
    try {
      return await send.call(this, request);
    } catch (error) {
      if (error instanceof Error && error.name === "KafkaJSRequestTimeoutError" && this.isConnected()) {
        this.rejectRequests(new KafkaJSConnectionError("a request timed out; the connection is closed", { broker: `${this.host}:${this.port}` }));
        this.socket?.destroy();
        void this.disconnect().catch(() => {});
      }
      throw error;
    }
  };
  Object.assign(sendThenDropOnTimeout, { timeoutDisconnects: true });
  Connection.prototype.send = sendThenDropOnTimeout;
}
