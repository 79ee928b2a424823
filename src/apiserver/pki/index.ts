export { ensurePki, issueClientCert, type EnsurePkiOptions, type Pki } from "./ensure-pki.ts";
export { clientIdentity, type CertificateIdentity } from "./client-identity.ts";
export { renderKubeconfig, writeKubeconfig, type KubeconfigOptions } from "./kubeconfig.ts";
