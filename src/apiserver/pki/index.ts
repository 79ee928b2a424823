export {
  dueForRenewal,
  ensurePki,
  issueClientCert,
  issueNodeCerts,
  type EnsurePkiOptions,
  type NodeCertRequest,
  type Pki,
} from "./ensure-pki.ts";
export { newKeyPair } from "./issue.ts";
export { clientIdentity, type CertificateIdentity } from "./client-identity.ts";
export { renderKubeconfig, writeKubeconfig, type KubeconfigOptions } from "./kubeconfig.ts";
