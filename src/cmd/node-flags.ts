import { forbiddenNodeLabels, KUBELET_LABELS } from "../apiserver/auth/node-restriction.ts";
import { hostname } from "node:os";
import { isIP } from "node:net";
import { hostIPv4 } from "../apiserver/allocators/index.ts";
import { defaultPauseImage } from "../kubelet/images/pause-image.ts";
import type { KubeletOptions } from "../kubelet/kubelet.ts";
import { parseDuration, UsageError, type FlagSpec, type FlagValues } from "./flags.ts";

/** The flags of a node (k3s names), shared by `skiff server` (its own node) and `skiff agent`. */
export const nodeFlags: FlagSpec[] = [
  { name: "node-name", type: "string", default: "", usage: "name of this node (default: the hostname)" },
  {
    name: "node-label",
    type: "list",
    default: [],
    usage: "label the node registers with, key=value (repeatable)",
  },
  {
    name: "node-taint",
    type: "list",
    default: [],
    usage: "taint the node registers with, key=value:Effect (repeatable)",
  },
  {
    name: "node-ip",
    type: "string",
    default: "",
    usage: "IPv4 address the node advertises (default: the first non-loopback one)",
  },
  {
    name: "container-runtime-endpoint",
    type: "string",
    default: "",
    usage: "CRI socket of a runtime to use instead of skiff's own containerd",
  },
  {
    name: "pause-image",
    type: "string",
    default: defaultPauseImage,
    usage: "sandbox (pause) image; skiff provides the default",
  },
  {
    name: "cluster-cidr",
    type: "string",
    default: "10.42.0.0/16",
    usage: "IPv4 range pod addresses come from",
  },
  {
    name: "cluster-dns",
    type: "list",
    default: ["10.43.0.10"],
    usage: "cluster DNS address pods resolve with: the kube-dns Service's cluster IP (repeatable)",
  },
  {
    name: "resolv-conf",
    type: "string",
    default: "/etc/resolv.conf",
    usage:
      "the node's resolver config: what dnsPolicy Default pods get, and where cluster DNS forwards other names",
  },
  { name: "cluster-domain", type: "string", default: "cluster.local", usage: "cluster domain" },
  { name: "kubelet-port", type: "number", default: 10250, usage: "port of the kubelet API" },
  {
    name: "ingress-http-port",
    type: "number",
    default: 80,
    usage: "port the Ingress controller serves HTTP on, on every node address (0: no HTTP)",
  },
  {
    name: "ingress-https-port",
    type: "number",
    default: 443,
    usage: "port the Ingress controller serves HTTPS on, on every node address (0: no HTTPS)",
  },
  {
    name: "proxy-mode",
    type: "string",
    default: "",
    usage:
      "how services are routed: iptables (kernel rules, needs root) or userspace (node and load-balancer ports proxied on the host); default: iptables as root, userspace otherwise",
  },
  {
    name: "node-lease-duration-seconds",
    type: "number",
    default: 40,
    usage:
      "how long the node's Lease lasts; the kubelet renews it every quarter of that, so it must be shorter than the controller manager's --node-monitor-grace-period",
  },
  {
    name: "sync-frequency",
    type: "string",
    default: "1m",
    usage: "how often every pod is synced again, so changed configMaps and secrets reach its files",
  },
];

const labelRe = /^([a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;
const effects = new Set(["NoSchedule", "PreferNoSchedule", "NoExecute"]);

export function parseLabels(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list) {
    const i = l.indexOf("=");
    const [k, v] = i < 0 ? [l, ""] : [l.slice(0, i), l.slice(i + 1)];
    if (!labelRe.test(k) || !/^([a-zA-Z0-9]([-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9])?)?$/.test(v))
      throw new UsageError(
        `invalid --node-label "${l}": expected key=value with a valid label key and value`,
      );
    out[k] = v;
  }
  // The kubelet's own check: NodeRestriction would refuse the registration anyway.
  const unknown = forbiddenNodeLabels(Object.keys(out));
  if (unknown.length)
    throw new UsageError(
      `unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-label: [${unknown.join(" ")}]; labels in the 'kubernetes.io' namespace must begin with an allowed prefix (kubelet.kubernetes.io, node.kubernetes.io) or be in the specifically allowed set (${[...KUBELET_LABELS].join(", ")})`,
    );
  return out;
}

export function parseTaints(list: string[]): Array<{ key: string; value?: string; effect: string }> {
  return list.map((t) => {
    const m = /^([^=:]+)(?:=([^:]*))?:(.+)$/.exec(t);
    if (!m || !labelRe.test(m[1]) || !effects.has(m[3]))
      throw new UsageError(
        `invalid --node-taint "${t}": expected key[=value]:NoSchedule|PreferNoSchedule|NoExecute`,
      );
    return m[2] !== undefined ? { key: m[1], value: m[2], effect: m[3] } : { key: m[1], effect: m[3] };
  });
}

export function parseCidrFlag(name: string, v: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(v);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) < 8 || Number(m[5]) > 24)
    throw new UsageError(`invalid --${name} "${v}": expected an IPv4 CIDR of /8 to /24 such as 10.42.0.0/16`);
  return v;
}

/** The node's name as upstream derives it from the hostname: lowercased. */
export function defaultNodeName(): string {
  return hostname().toLowerCase();
}

export function parseNodeFlags(f: FlagValues, dataDir: string): KubeletOptions {
  const nodeName = String(f["node-name"] || defaultNodeName());
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(nodeName))
    throw new UsageError(`invalid --node-name "${nodeName}": a lowercase RFC 1123 name is required`);
  const ip = String(f["node-ip"] || hostIPv4() || "127.0.0.1");
  if (isIP(ip) !== 4) throw new UsageError(`invalid --node-ip "${ip}": an IPv4 address is required`);
  const port = Number(f["kubelet-port"]);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError(`invalid --kubelet-port ${port}`);
  const ingressPort = (name: string) => {
    const v = Number(f[name]);
    if (!Number.isInteger(v) || v < 0 || v > 65535)
      throw new UsageError(`invalid --${name} ${String(f[name])}`);
    return v;
  };
  const proxyMode = String(f["proxy-mode"] || "");
  if (proxyMode && proxyMode !== "iptables" && proxyMode !== "userspace")
    throw new UsageError(`invalid --proxy-mode "${proxyMode}": expected iptables or userspace`);
  const leaseSeconds = Number(f["node-lease-duration-seconds"]);
  if (!Number.isInteger(leaseSeconds) || leaseSeconds < 1)
    throw new UsageError(
      `invalid --node-lease-duration-seconds ${String(f["node-lease-duration-seconds"])}: a whole number of seconds of at least 1 is required`,
    );
  const dns = (f["cluster-dns"] as string[]).flatMap((d) => d.split(",")).filter(Boolean);
  for (const d of dns)
    if (isIP(d) !== 4) throw new UsageError(`invalid --cluster-dns "${d}": an IPv4 address is required`);
  return {
    nodeName,
    nodeIP: ip,
    dataDir,
    labels: parseLabels(f["node-label"] as string[]),
    taints: parseTaints(f["node-taint"] as string[]),
    containerRuntimeEndpoint: String(f["container-runtime-endpoint"] || "") || undefined,
    pauseImage: String(f["pause-image"] || defaultPauseImage),
    clusterCidr: parseCidrFlag("cluster-cidr", String(f["cluster-cidr"])),
    kubeletPort: port,
    ingressHttpPort: ingressPort("ingress-http-port"),
    ingressHttpsPort: ingressPort("ingress-https-port"),
    proxyMode: proxyMode ? (proxyMode as "iptables" | "userspace") : undefined,
    clusterDNS: dns,
    clusterDomain: String(f["cluster-domain"] || "cluster.local"),
    resolvConf: String(f["resolv-conf"] || "/etc/resolv.conf"),
    leaseDurationSeconds: leaseSeconds,
    // Upstream's kubelet renews at a quarter of the lease's duration (10 s of 40 s).
    renewIntervalMs: leaseSeconds * 250,
    syncFrequencyMs: parseDuration(String(f["sync-frequency"] || "1m")),
  };
}
