// The host ports a node keeps for itself (its Ingress controller's), published on its Node so that
// the service load balancer does not give them to a LoadBalancer service there, as k3s's ServiceLB
// leaves a port pending on nodes where Traefik already holds it.
import type { KObject } from "../../apimachinery/meta.ts";

export const RESERVED_PORTS_ANNOTATION = "skiff.dev/reserved-ports";
/** Ports the userspace proxy could not take on the node (another program holds them). */
export const UNAVAILABLE_PORTS_ANNOTATION = "skiff.dev/unavailable-ports";

/** The Ingress controller's ports in effect: 0 is off, and without root a port below 1024 is too. */
export function ingressPorts(
  o: { ingressHttpPort?: number; ingressHttpsPort?: number },
  root: boolean,
): { http: number; https: number } {
  const usable = (p: number) => (p > 0 && p < 1024 && !root ? 0 : p);
  return { http: usable(o.ingressHttpPort ?? 80), https: usable(o.ingressHttpsPort ?? 443) };
}

/** The "port/PROTOCOL" entries the Ingress's ports reserve. */
export function reservedPortList(ports: { http: number; https: number }): string[] {
  return [ports.http, ports.https].filter((p) => p > 0).map((p) => `${p}/TCP`);
}

/** The annotation's value: "80/TCP,443/TCP". */
export function reservedPortsValue(ports: { http: number; https: number }): string {
  return reservedPortList(ports).join(",");
}

/** The "port/PROTOCOL" entries a Node reserves. */
export function reservedPorts(node: KObject): Set<string> {
  return portList(node, RESERVED_PORTS_ANNOTATION);
}

/** The "port/PROTOCOL" entries a Node could not take. */
export function unavailablePorts(node: KObject): Set<string> {
  return portList(node, UNAVAILABLE_PORTS_ANNOTATION);
}

function portList(node: KObject, annotation: string): Set<string> {
  const v = node.metadata?.annotations?.[annotation] ?? "";
  return new Set(v.split(",").filter(Boolean));
}
