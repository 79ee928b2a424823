// kube-proxy's chain names: a hash of the service port's name and protocol (and the endpoint for
// KUBE-SEP-), so that the same service gets the same chains on every node and across restarts.
import { createHash } from "node:crypto";

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 (with the standard alphabet), as Go's base32.StdEncoding. */
export function base32(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  while (out.length % 8) out += "=";
  return out;
}

const hash16 = (s: string) => base32(createHash("sha256").update(s).digest()).slice(0, 16);

/** `ns/name:port` (or `ns/name` for an unnamed port): the string kube-proxy's comments and hashes use. */
export const servicePortName = (ns: string, name: string, port: string) =>
  port ? `${ns}/${name}:${port}` : `${ns}/${name}`;

export type ChainKind = "SVC" | "SVL" | "EXT" | "FW";

export const serviceChain = (kind: ChainKind, spn: string, protocol: string) =>
  `KUBE-${kind}-${hash16(spn + protocol.toLowerCase())}`;

export const endpointChain = (spn: string, protocol: string, endpoint: string) =>
  `KUBE-SEP-${hash16(spn + protocol.toLowerCase() + endpoint)}`;
