import type { ConnectRouter } from "@connectrpc/connect";
import type { Server } from "@grpc/grpc-js";
import type { RawRoutes } from "./http/raw-routes.js";
import type { Router } from "./http/router.js";

/**
 * Where roles put their endpoints; the process hosting them serves all of it, so one process
 * can host any set of roles.
 */
export interface RoleMounts {
  readonly router: Router;
  readonly grpc: Server;
  /** Endpoints served on bare sockets before node:http sees the request (the edge's SSE). */
  readonly rawRoutes: RawRoutes;
  /** Connect services on the HTTP port (the archive's playback). */
  readonly connectRoutes: ((router: ConnectRouter) => void)[];
}

/** What every role's `start` answers, in either mode: the two steps of its stop. */
export interface StartedRole {
  /** Before the listeners close: long-lived clients are told to reconnect elsewhere. */
  drain(): Promise<void>;
  /** After the listeners closed: consumers and timers stop. */
  stop(): Promise<void>;
}

/** A role with nothing long-lived to drain or stop. */
export const NOTHING_TO_STOP: StartedRole = { drain: async () => {}, stop: async () => {} };
