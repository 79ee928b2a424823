// The rules kube-proxy's iptables mode writes, as one iptables-restore input for the filter and nat
// tables: per-service chains (KUBE-SVC-, KUBE-SVL-, KUBE-EXT-), per-endpoint chains (KUBE-SEP-)
// chosen by probability, the masquerade mark, hairpin, ClientIP affinity with `recent`, and rejects
// for services without endpoints. Chains of services that are gone are flushed and deleted.
import { ipToInt } from "../kubelet/ip-allocator.ts";
import { endpointChain, serviceChain, servicePortName } from "./chain-names.ts";
import { usableEndpoints, type ProxyEndpoint, type ProxyServicePort } from "./service-ports.ts";

export const masqMark = "0x4000";

export interface RuleOptions {
  clusterCidr: string;
}

/** The chains kube-proxy owns outright in each table (created, flushed and rewritten on every sync). */
export const ownedChains = {
  filter: [
    "KUBE-SERVICES",
    "KUBE-EXTERNAL-SERVICES",
    "KUBE-FORWARD",
    "KUBE-NODEPORTS",
    "KUBE-PROXY-FIREWALL",
  ],
  nat: ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"],
};

/** Chains made per service or endpoint: the ones a sync deletes when nothing uses them any more. */
export const isServiceChain = (name: string) => /^KUBE-(SVC|SVL|EXT|FW|SEP)-/.test(name);

const q = (s: string) => (/[\s"]/.test(s) ? `"${s.replace(/"/g, '\\"')}"` : s);
const proto = (p: string) => {
  const l = p.toLowerCase();
  return `-m ${l} -p ${l}`;
};

/** The full iptables-restore input (use with --noflush) for these service ports. */
export function buildRules(
  ports: ProxyServicePort[],
  existing: { filter: string[]; nat: string[] },
  opts: RuleOptions,
): string {
  const filter: string[] = [];
  const nat: string[] = [];
  const natChains = new Set<string>();
  const sorted = [...ports].sort((a, b) =>
    `${a.namespace}/${a.name}:${a.portName}`.localeCompare(`${b.namespace}/${b.name}:${b.portName}`),
  );

  nat.push(
    `-A KUBE-POSTROUTING -m mark ! --mark ${masqMark}/${masqMark} -j RETURN`,
    `-A KUBE-POSTROUTING -j MARK --xor-mark ${masqMark}`,
    `-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`,
    `-A KUBE-MARK-MASQ -j MARK --or-mark ${masqMark}`,
  );
  filter.push(
    `-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP`,
    `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark ${masqMark}/${masqMark} -j ACCEPT`,
    `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
  );

  for (const sp of sorted) writeServicePort(sp, filter, nat, natChains, opts);

  nat.push(
    `-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`,
  );

  const stale = existing.nat.filter((c) => isServiceChain(c) && !natChains.has(c));
  const decl = (chains: Iterable<string>) => [...chains].map((c) => `:${c} - [0:0]`);
  return [
    "*filter",
    ...decl(ownedChains.filter),
    ...filter,
    "COMMIT",
    "*nat",
    ...decl(ownedChains.nat),
    ...decl([...natChains].sort()),
    ...decl(stale),
    ...nat,
    ...stale.map((c) => `-X ${c}`),
    "COMMIT",
    "",
  ].join("\n");
}

function writeServicePort(
  sp: ProxyServicePort,
  filter: string[],
  nat: string[],
  natChains: Set<string>,
  opts: RuleOptions,
): void {
  const spn = servicePortName(sp.namespace, sp.name, sp.portName);
  const p = proto(sp.protocol);
  const svc = serviceChain("SVC", spn, sp.protocol);
  const svl = serviceChain("SVL", spn, sp.protocol);
  const ext = serviceChain("EXT", spn, sp.protocol);
  const all = usableEndpoints(sp.endpoints);
  const local = usableEndpoints(sp.endpoints.filter((e) => e.local));
  const clusterEps = sp.internalLocal ? local : all;
  const hasEndpoints = clusterEps.length > 0;
  const externals = [
    ...sp.externalIPs.map((ip) => ({ ip, what: "external IP" })),
    ...sp.loadBalancerIPs.map((ip) => ({ ip, what: "loadbalancer IP" })),
  ];
  const exposed = externals.length > 0 || sp.nodePort !== undefined;
  const externalEps = sp.externalLocal ? local : all;

  if (!hasEndpoints && !(sp.externalLocal && externalEps.length)) {
    // Upstream answers with an ICMP port unreachable, so clients fail at once instead of hanging.
    const reason = `"${spn} has no endpoints"`;
    if (sp.clusterIP)
      filter.push(
        `-A KUBE-SERVICES -m comment --comment ${reason} ${p} -d ${sp.clusterIP}/32 --dport ${sp.port} -j REJECT`,
      );
    for (const e of externals)
      filter.push(
        `-A KUBE-EXTERNAL-SERVICES -m comment --comment ${reason} ${p} -d ${e.ip}/32 --dport ${sp.port} -j REJECT`,
      );
    if (sp.nodePort !== undefined)
      filter.push(
        `-A KUBE-EXTERNAL-SERVICES -m comment --comment ${reason} -m addrtype --dst-type LOCAL ${p} --dport ${sp.nodePort} -j REJECT`,
      );
    return;
  }

  const internalChain = sp.internalLocal ? svl : svc;
  const usesSvl = sp.internalLocal || sp.externalLocal;
  const endpointChains = new Map<string, ProxyEndpoint>();
  for (const e of [...all, ...local])
    endpointChains.set(endpointChain(spn, sp.protocol, `${e.ip}:${e.port}`), e);

  // The ClusterIP.
  if (sp.clusterIP && hasEndpoints) {
    nat.push(
      `-A KUBE-SERVICES -m comment --comment ${q(`${spn} cluster IP`)} ${p} -d ${sp.clusterIP}/32 --dport ${sp.port} -j ${internalChain}`,
    );
  }
  // Cluster-wide spreading; traffic from outside the pod network is masqueraded so replies return here.
  if (all.length) {
    natChains.add(svc);
    if (sp.clusterIP)
      nat.push(
        `-A ${svc} -m comment --comment ${q(`${spn} cluster IP`)} ${p} -d ${sp.clusterIP}/32 --dport ${sp.port} ! -s ${opts.clusterCidr} -j KUBE-MARK-MASQ`,
      );
    spread(svc, spn, sp.protocol, all, sp.affinitySeconds, nat);
  }
  if (usesSvl && local.length) {
    natChains.add(svl);
    spread(svl, spn, sp.protocol, local, sp.affinitySeconds, nat);
  }

  if (exposed) {
    if (externalEps.length || sp.externalLocal) {
      natChains.add(ext);
      for (const e of externals)
        nat.push(
          `-A KUBE-SERVICES -m comment --comment ${q(`${spn} ${e.what}`)} ${p} -d ${e.ip}/32 --dport ${sp.port} -j ${ext}`,
        );
      if (sp.nodePort !== undefined)
        nat.push(`-A KUBE-NODEPORTS -m comment --comment ${q(spn)} ${p} --dport ${sp.nodePort} -j ${ext}`);
    }
    if (!sp.externalLocal) {
      nat.push(
        `-A ${ext} -m comment --comment ${q(`masquerade traffic for ${spn} external destinations`)} -j KUBE-MARK-MASQ`,
        `-A ${ext} -j ${svc}`,
      );
    } else {
      // Local policy: the client's address is kept, so only this node's endpoints may answer. Pods
      // and the node itself still reach the service as a whole.
      if (all.length)
        nat.push(
          `-A ${ext} -m comment --comment ${q(`pod traffic for ${spn} external destinations`)} -s ${opts.clusterCidr} -j ${svc}`,
          `-A ${ext} -m comment --comment ${q(`masquerade LOCAL traffic for ${spn} external destinations`)} -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
          `-A ${ext} -m comment --comment ${q(`route LOCAL traffic for ${spn} external destinations`)} -m addrtype --src-type LOCAL -j ${svc}`,
        );
      if (local.length) nat.push(`-A ${ext} -j ${svl}`);
      else {
        // Nothing here may answer: external clients' packets are dropped (the connection hangs).
        const reason = `"${spn} has no local endpoints"`;
        for (const e of externals)
          filter.push(
            `-A KUBE-EXTERNAL-SERVICES -m comment --comment ${reason} ${p} -d ${e.ip}/32 --dport ${sp.port} -j DROP`,
          );
        if (sp.nodePort !== undefined)
          filter.push(
            `-A KUBE-EXTERNAL-SERVICES -m comment --comment ${reason} -m addrtype --dst-type LOCAL ${p} --dport ${sp.nodePort} -j DROP`,
          );
      }
    }
  }

  for (const [chain, e] of [...endpointChains].sort((a, b) => a[0].localeCompare(b[0]))) {
    natChains.add(chain);
    const affinity =
      sp.affinitySeconds !== undefined
        ? ` -m recent --name ${chain} --mask 255.255.255.255 --rsource --set`
        : "";
    nat.push(
      // Hairpin: a pod reaching itself through its service must see the node as the client.
      `-A ${chain} -m comment --comment ${q(spn)} -s ${e.ip}/32 -j KUBE-MARK-MASQ`,
      `-A ${chain} -m comment --comment ${q(spn)}${affinity} ${p} -j DNAT --to-destination ${e.ip}:${e.port}`,
    );
  }
}

/** Probability rules: the i-th of n endpoints takes 1/(n-i) of what is left, the last takes the rest. */
function spread(
  chain: string,
  spn: string,
  protocol: string,
  eps: ProxyEndpoint[],
  affinitySeconds: number | undefined,
  nat: string[],
): void {
  const sorted = [...eps].sort(compareEndpoints);
  const sep = (e: ProxyEndpoint) => endpointChain(spn, protocol, `${e.ip}:${e.port}`);
  if (affinitySeconds !== undefined)
    for (const e of sorted)
      nat.push(
        `-A ${chain} -m comment --comment ${q(`${spn} -> ${e.ip}:${e.port}`)} -m recent --name ${sep(e)} --mask 255.255.255.255 --rsource --rcheck --seconds ${affinitySeconds} --reap -j ${sep(e)}`,
      );
  sorted.forEach((e, i) => {
    const n = sorted.length;
    const prob = i < n - 1 ? ` -m statistic --mode random --probability ${(1 / (n - i)).toFixed(10)}` : "";
    nat.push(`-A ${chain} -m comment --comment ${q(`${spn} -> ${e.ip}:${e.port}`)}${prob} -j ${sep(e)}`);
  });
}

function compareEndpoints(a: ProxyEndpoint, b: ProxyEndpoint): number {
  return (ipToInt(a.ip) ?? 0) - (ipToInt(b.ip) ?? 0) || a.port - b.port;
}
