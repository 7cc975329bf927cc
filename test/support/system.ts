/**
 * A running Live Comments deployment as the black-box suite sees it: addresses and the
 * secret that signs its users' tokens. Each mode (embedded, distributed) provides one.
 */
export interface SystemUnderTest {
  readonly httpUrl: string;
  readonly grpcAddress: string;
  readonly jwtSecret: string;
  stop(): Promise<void>;
}
