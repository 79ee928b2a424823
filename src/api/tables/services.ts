// Services: pkg/printers/internalversion/printers.go printService, getServiceExternalIP, makePortString.
import { ageColumn, column, nameColumn, selectorColumn } from "./columns.ts";
import { formatLabels, int, str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

/** loadBalancerStatusStringer, unclipped: the server always prints wide. IPs or hostnames, sorted and unique. */
export function loadBalancerAddresses(status: any): string {
  const result = new Set<string>();
  for (const ing of (status?.ingress ?? []) as any[]) {
    if (str(ing?.ip) !== "") result.add(ing.ip);
    else if (str(ing?.hostname) !== "") result.add(ing.hostname);
  }
  return [...result].sort().join(",");
}

function externalIP(svc: any, type: string): string {
  const externalIPs: string[] = svc.spec?.externalIPs ?? [];
  switch (type) {
    case "ClusterIP":
    case "NodePort":
      return externalIPs.length > 0 ? externalIPs.join(",") : "<none>";
    case "LoadBalancer": {
      const lb = loadBalancerAddresses(svc.status?.loadBalancer);
      if (externalIPs.length > 0) return [...(lb === "" ? [] : lb.split(",")), ...externalIPs].join(",");
      return lb !== "" ? lb : "<pending>";
    }
    case "ExternalName":
      return str(svc.spec?.externalName);
    default:
      return "<unknown>";
  }
}

function portString(ports: any[]): string {
  return ports
    .map((p) => {
      const protocol = str(p?.protocol) || "TCP";
      return int(p?.nodePort) > 0
        ? `${int(p.port)}:${int(p.nodePort)}/${protocol}`
        : `${int(p?.port)}/${protocol}`;
    })
    .join(",");
}

export const servicePrinter: TablePrinter = {
  columns: [
    nameColumn,
    column(
      "Type",
      "string",
      "How the service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName.",
    ),
    column("Cluster-IP", "string", "The IP address of the service inside the cluster."),
    column("External-IP", "string", "The addresses the service is reachable at from outside the cluster."),
    column("Port(s)", "string", "The ports the service exposes."),
    ageColumn,
    selectorColumn("The labels of the pods the service routes traffic to."),
  ],
  cells(svc, now) {
    const spec = svc.spec ?? {};
    // SetDefaults_Service: a missing type is ClusterIP; clusterIP fills clusterIPs when only it is set.
    const type = str(spec.type) || "ClusterIP";
    const clusterIP = str(spec.clusterIPs?.[0]) || str(spec.clusterIP) || "<none>";
    const ports = portString(spec.ports ?? []);
    return [
      str(svc.metadata?.name),
      type,
      clusterIP,
      externalIP(svc, type),
      ports === "" ? "<none>" : ports,
      translateTimestampSince(svc.metadata?.creationTimestamp, now),
      formatLabels(spec.selector),
    ];
  },
};
