import type { Metadata } from "@grpc/grpc-js";
import type { Authenticator, Principal } from "../auth/authenticator.js";
import { bearerToken, requireScope } from "../auth/authenticator.js";

/** A metadata value as a string (the first, when repeated), or undefined. */
export function metadataString(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === "string" ? value : undefined;
}

/** The caller of a gRPC call, from its `authorization: Bearer` metadata; `unauthenticated` without one. */
export function callPrincipal(authenticator: Authenticator, metadata: Metadata): Promise<Principal> {
  return authenticator.verify(bearerToken(metadataString(metadata, "authorization")));
}

/** The caller, who must hold `scope`: `unauthenticated`, then `permission_denied`. */
export async function callPrincipalWithScope(authenticator: Authenticator, metadata: Metadata, scope: string): Promise<Principal> {
  const principal = await callPrincipal(authenticator, metadata);
  requireScope(principal, scope);
  return principal;
}
