import type { PeerCertificate } from "node:tls";

export interface CertificateIdentity {
  user: string;
  groups: string[];
}

function values(field: unknown): string[] {
  if (typeof field === "string") return [field];
  if (Array.isArray(field)) return field.filter((v): v is string => typeof v === "string");
  return [];
}

/**
 * The user a verified client certificate names: CN is the user name, each O a group
 * (k8s.io/apiserver/pkg/authentication/request/x509 CommonNameUserConversion). Returns
 * undefined when there is no certificate or no CN. Only call this for a peer that TLS verified
 * against the cluster CA (`socket.authorized`).
 */
export function clientIdentity(
  cert: { subject?: object } | PeerCertificate,
): CertificateIdentity | undefined {
  const subject = cert.subject as Record<string, unknown> | undefined;
  if (!subject) return undefined;
  // Node lists repeated attributes as an array; Go's pkix.Name keeps the last CN it reads.
  const user = values(subject.CN).at(-1);
  if (!user) return undefined;
  return { user, groups: values(subject.O) };
}
