/** Base URLs of the HTTP ports, by the role that serves them. */
export interface RoleUrls {
  readonly ingest: string;
  readonly edge: string;
  readonly archive: string;
}

/**
 * A running Live Comments deployment as the black-box suite sees it: where each role listens
 * and the secret that signs its users' tokens. Each mode (embedded, distributed) provides one;
 * in the embedded mode every role has the same address.
 */
export interface SystemUnderTest {
  readonly http: RoleUrls;
  readonly grpc: { readonly ingest: string; readonly relay: string };
  readonly jwtSecret: string;
  /**
   * Where operators reach each role itself (metrics, probes, gRPC on the HTTP port) when the
   * public URLs above go through a load balancer; the public URLs otherwise.
   */
  readonly ops?: RoleUrls;
  /**
   * Stops the archive, makes it read the whole log again from its first record (every batch
   * delivered a second time, deletions and approvals included) and starts it again on the same
   * addresses; resolves once it serves.
   */
  redeliverToArchive(): Promise<void>;
  stop(): Promise<void>;
}
