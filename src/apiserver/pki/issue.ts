import {
  X509Certificate,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from "node:crypto";
import {
  KeyUsage,
  createCertificate,
  encodeName,
  subjectName,
  toPem,
  type ExtKeyUsage,
} from "./certificate.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
// k3s: the cluster CA lasts 10 years, the certificates it signs one year.
export const CA_LIFETIME_MS = 3650 * DAY_MS;
export const LEAF_LIFETIME_MS = 365 * DAY_MS;
// Tolerates small clock differences between the machine that issues and the one that verifies.
const BACKDATE_MS = 5 * 60 * 1000;

export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

function newKey(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync("ec", { namedCurve: "prime256v1" });
}

// SEC 1 "EC PRIVATE KEY" PEM, the form k3s writes; Go and Node read it alike.
function keyToPem(key: KeyObject): string {
  return key.export({ type: "sec1", format: "pem" }).toString();
}

export function createCa(commonName: string, now: Date): KeyPairPem {
  const { privateKey, publicKey } = newKey();
  const subject = { commonName };
  const cert = createCertificate(
    {
      subject,
      publicKey,
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(now.getTime() + CA_LIFETIME_MS),
      isCA: true,
      keyUsage: [KeyUsage.digitalSignature, KeyUsage.keyCertSign, KeyUsage.cRLSign],
    },
    { name: encodeName(subject), publicKey, privateKey },
  );
  return { certPem: toPem("CERTIFICATE", cert), keyPem: keyToPem(privateKey) };
}

export interface LeafRequest {
  commonName: string;
  organizations?: string[];
  usage: ExtKeyUsage;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** The holder's own public key (it keeps the private key); a fresh key pair is made when absent. */
  publicKey?: KeyObject;
}

export function issueLeaf(
  ca: KeyPairPem,
  request: LeafRequest,
  now: Date,
  lifetimeMs: number = LEAF_LIFETIME_MS,
): KeyPairPem {
  const caCert = new X509Certificate(ca.certPem);
  const caKey = createPrivateKey(ca.keyPem);
  const fresh = request.publicKey ? undefined : newKey();
  const publicKey = request.publicKey ?? fresh!.publicKey;
  // A leaf never outlives the CA that vouches for it.
  const notAfter = Math.min(now.getTime() + lifetimeMs, caCert.validToDate.getTime());
  const cert = createCertificate(
    {
      subject: { commonName: request.commonName, organizations: request.organizations },
      publicKey,
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(notAfter),
      isCA: false,
      keyUsage: [KeyUsage.digitalSignature, KeyUsage.keyEncipherment],
      extKeyUsage: [request.usage],
      dnsNames: request.dnsNames,
      ipAddresses: request.ipAddresses,
    },
    { name: subjectName(caCert), publicKey: createPublicKey(caKey), privateKey: caKey },
  );
  return { certPem: toPem("CERTIFICATE", cert), keyPem: fresh ? keyToPem(fresh.privateKey) : "" };
}

/** A new key pair for a holder that asks a CA to sign it: the private key as PEM, the public key as SPKI PEM. */
export function newKeyPair(): { keyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = newKey();
  return {
    keyPem: keyToPem(privateKey),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}
