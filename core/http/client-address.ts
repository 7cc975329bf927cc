import { BlockList, isIP } from "node:net";
import { LcError } from "../errors.js";

/** Most `X-Forwarded-For` / `Forwarded` entries looked at: a longer chain is an attack, not a path. */
const MAX_FORWARDED_HOPS = 32;

/**
 * The proxies in front of a process (`LC_TRUSTED_PROXIES`): addresses and CIDRs, IPv4 and
 * IPv6. Only a request whose connecting peer is one of them may say, in `X-Forwarded-For` or
 * `Forwarded`, who the client is; for any other peer those headers are ignored, since anyone
 * can send them.
 */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly size: number;

  /** Throws `invalid_argument` naming the first entry that is neither an address nor a CIDR. */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address = "", bits, extra] = entry.split("/");
      const family = isIP(address);
      const prefix = bits === undefined ? undefined : Number(bits);
      const maxBits = family === 6 ? 128 : 32;
      if (family === 0 || extra !== undefined || (prefix !== undefined && (!/^\d{1,3}$/.test(bits!) || prefix > maxBits))) {
        throw new LcError("invalid_argument", `not an IP address or CIDR: ${JSON.stringify(entry)}`);
      }
      const type = family === 6 ? "ipv6" : "ipv4";
      if (prefix === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, prefix, type);
    }
    this.size = entries.length;
  }

  /** Whether `address` (as a socket reports it: IPv4-mapped IPv6 included) is a trusted proxy. */
  has(address: string): boolean {
    if (this.size === 0) return false;
    const plain = unmapped(address);
    const family = isIP(plain);
    return family !== 0 && this.list.check(plain, family === 6 ? "ipv6" : "ipv4");
  }

  /**
   * The client's address: for a trusted peer, the rightmost address of `X-Forwarded-For` (else
   * of `Forwarded: for=`) that is not itself a trusted proxy; otherwise the peer. An entry that
   * is no address (`unknown`, an obfuscated name, garbage) ends the walk as "unknown": what
   * stands left of it was written by someone we cannot vouch for.
   */
  clientAddress(peer: string, headers: { readonly xForwardedFor?: string | undefined; readonly forwarded?: string | undefined }): string {
    const peerAddress = unmapped(peer);
    if (!this.has(peerAddress)) return peerAddress;
    const chain =
      headers.xForwardedFor !== undefined
        ? xForwardedForChain(headers.xForwardedFor)
        : headers.forwarded !== undefined
          ? forwardedChain(headers.forwarded)
          : [];
    let nearest = peerAddress;
    for (let i = chain.length - 1; i >= 0 && chain.length - i <= MAX_FORWARDED_HOPS; i--) {
      const address = hostOf(chain[i]!);
      if (address === undefined) return "unknown";
      if (!this.has(address)) return address;
      nearest = address;
    }
    // Every hop is a trusted proxy (or none was named): the farthest one is what we know.
    return nearest;
  }
}

/** No proxy is trusted: every client is its peer. */
export const NO_TRUSTED_PROXIES = new TrustedProxies([]);

function xForwardedForChain(value: string): string[] {
  return value
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

/** The `for=` values of a `Forwarded` header (RFC 7239), in order; an element without one counts as unknown. */
function forwardedChain(value: string): string[] {
  return value.split(",").map((element) => {
    for (const pair of element.split(";")) {
      const equals = pair.indexOf("=");
      if (equals < 0 || pair.slice(0, equals).trim().toLowerCase() !== "for") continue;
      const raw = pair.slice(equals + 1).trim();
      return raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1) : raw;
    }
    return "unknown";
  });
}

/** The address in a forwarded node (`1.2.3.4`, `1.2.3.4:80`, `[2001:db8::1]:443`, `2001:db8::1`), or undefined. */
function hostOf(node: string): string | undefined {
  let host = node;
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    if (end < 0) return undefined;
    host = host.slice(1, end);
  } else if (isIP(host) === 0 && /^[\d.]+:\d+$/.test(host)) {
    host = host.slice(0, host.lastIndexOf(":"));
  }
  const plain = unmapped(host);
  return isIP(plain) === 0 ? undefined : plain;
}

/** `::ffff:1.2.3.4` as `1.2.3.4`: a dual-stack socket reports IPv4 peers so. */
function unmapped(address: string): string {
  return address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

const clientAddresses = new WeakMap<object, string>();

/** Remembers the client address of an HTTP request for its handlers and its log lines. */
export function tagClientAddress(request: object, address: string): void {
  clientAddresses.set(request, address);
}

/** The address {@link tagClientAddress} gave the request, else its socket's peer. */
export function clientAddressOf(request: { readonly socket?: { readonly remoteAddress?: string | undefined } }): string {
  return clientAddresses.get(request) ?? request.socket?.remoteAddress ?? "unknown";
}
