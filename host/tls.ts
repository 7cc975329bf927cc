import { ServerCredentials } from "@grpc/grpc-js";

/** What a process serves TLS with (PEM), on its HTTP and gRPC ports alike. */
export interface HostTls {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** When given, clients must present a certificate this CA signed (mutual TLS). */
  readonly clientCa?: Buffer;
}

/** The gRPC server's credentials: TLS from `tls`, else plaintext. */
export function grpcServerCredentials(tls: HostTls | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(tls.clientCa ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.clientCa !== undefined);
}
