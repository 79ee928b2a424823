// X.509 v3 certificate construction (RFC 5280 section 4) for ECDSA P-256 keys.
import { X509Certificate, createHash, randomBytes, sign, type KeyObject } from "node:crypto";
import * as der from "./der.ts";
import { bytesToIp, ipToBytes } from "./ip-address.ts";

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
} as const;

/** KeyUsage bit positions (RFC 5280 4.2.1.3). */
export const KeyUsage = {
  digitalSignature: 0,
  keyEncipherment: 2,
  keyCertSign: 5,
  cRLSign: 6,
} as const;

export type ExtKeyUsage = "serverAuth" | "clientAuth";

export interface DistinguishedName {
  commonName: string;
  organizations?: string[];
}

export interface CertificateTemplate {
  subject: DistinguishedName;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  isCA: boolean;
  keyUsage: number[];
  extKeyUsage?: ExtKeyUsage[];
  dnsNames?: string[];
  ipAddresses?: string[];
}

export interface Issuer {
  /** DER of the issuing certificate's subject Name, copied byte for byte so chains match exactly. */
  name: Buffer;
  publicKey: KeyObject;
  privateKey: KeyObject;
}

/**
 * Name as a sequence of single-valued RDNs, organizations before the common name: the order
 * Go's crypto/x509/pkix Name.ToRDNSequence produces, so subjects print as upstream's do.
 */
export function encodeName(name: DistinguishedName): Buffer {
  const rdn = (type: string, value: string) => der.set(der.sequence(der.oid(type), der.utf8String(value)));
  return der.sequence(
    ...(name.organizations ?? []).map((o) => rdn(OID.organization, o)),
    rdn(OID.commonName, name.commonName),
  );
}

/** RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value. */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = der.readElement(publicKey.export({ type: "spki", format: "der" }));
  const bits = der.readChildren(spki)[1];
  return createHash("sha1").update(bits.content.subarray(1)).digest();
}

/** Positive, non-zero, at most 20 octets (RFC 5280 4.1.2.2). */
function randomSerial(): Buffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x01;
  return serial;
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return der.sequence(der.oid(id), ...(critical ? [der.boolean(true)] : []), der.octetString(value));
}

function isAscii(text: string): boolean {
  return /^[\x21-\x7e]+$/.test(text);
}

function extensions(template: CertificateTemplate, issuer: Issuer): Buffer[] {
  const out: Buffer[] = [];
  out.push(
    extension(OID.keyUsage, true, der.namedBits(template.keyUsage)),
    extension(OID.basicConstraints, true, template.isCA ? der.sequence(der.boolean(true)) : der.sequence()),
  );
  if (template.extKeyUsage?.length) {
    out.push(
      extension(OID.extKeyUsage, false, der.sequence(...template.extKeyUsage.map((u) => der.oid(OID[u])))),
    );
  }
  const names: Buffer[] = [];
  for (const dns of template.dnsNames ?? []) {
    if (!isAscii(dns)) throw new Error(`certificate: DNS name ${JSON.stringify(dns)} is not ASCII`);
    names.push(der.implicitPrimitive(2, Buffer.from(dns, "ascii")));
  }
  for (const ip of template.ipAddresses ?? []) {
    const bytes = ipToBytes(ip);
    if (!bytes) throw new Error(`certificate: ${JSON.stringify(ip)} is not an IP address`);
    names.push(der.implicitPrimitive(7, bytes));
  }
  if (names.length) out.push(extension(OID.subjectAltName, false, der.sequence(...names)));
  out.push(
    extension(OID.subjectKeyIdentifier, false, der.octetString(keyIdentifier(template.publicKey))),
    extension(
      OID.authorityKeyIdentifier,
      false,
      der.sequence(der.implicitPrimitive(0, keyIdentifier(issuer.publicKey))),
    ),
  );
  return out;
}

/** Builds and signs a certificate; returns its DER. A self-signed certificate passes its own key as issuer. */
export function createCertificate(template: CertificateTemplate, issuer: Issuer): Buffer {
  const signatureAlgorithm = der.sequence(der.oid(OID.ecdsaWithSha256));
  const tbs = der.sequence(
    der.explicit(0, der.smallInteger(2)), // v3
    der.unsignedInteger(randomSerial()),
    signatureAlgorithm,
    issuer.name,
    der.sequence(der.time(template.notBefore), der.time(template.notAfter)),
    encodeName(template.subject),
    template.publicKey.export({ type: "spki", format: "der" }),
    der.explicit(3, der.sequence(...extensions(template, issuer))),
  );
  // node:crypto signs ECDSA as a DER Ecdsa-Sig-Value, which is what the BIT STRING carries.
  const signature = sign("sha256", tbs, issuer.privateKey);
  return der.sequence(tbs, signatureAlgorithm, der.bitString(signature));
}

export function toPem(label: string, body: Buffer): string {
  const lines = body.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

function tbsFields(certificate: X509Certificate): der.DerElement[] {
  const tbs = der.readChildren(der.readElement(certificate.raw))[0];
  const fields = der.readChildren(tbs);
  // version is optional ([0] EXPLICIT, absent for v1); align so index 0 is always the serial.
  return fields[0].tag === 0xa0 ? fields.slice(1) : fields;
}

/** DER of a certificate's subject Name. */
export function subjectName(certificate: X509Certificate): Buffer {
  return Buffer.from(tbsFields(certificate)[4].raw);
}

/** The DNS names and IP addresses in a certificate's subjectAltName extension. */
export function subjectAltNames(certificate: X509Certificate): { dnsNames: string[]; ipAddresses: string[] } {
  const result = { dnsNames: [] as string[], ipAddresses: [] as string[] };
  const wrapper = tbsFields(certificate).find((f) => f.tag === 0xa3);
  if (!wrapper) return result;
  for (const ext of der.readChildren(der.readChildren(wrapper)[0])) {
    const parts = der.readChildren(ext);
    if (der.decodeOid(parts[0].content) !== OID.subjectAltName) continue;
    const value = der.readElement(parts[parts.length - 1].content);
    for (const name of der.readChildren(value)) {
      if (name.tag === 0x82) result.dnsNames.push(name.content.toString("ascii"));
      if (name.tag === 0x87) {
        const ip = bytesToIp(name.content);
        if (ip) result.ipAddresses.push(ip);
      }
    }
  }
  return result;
}
