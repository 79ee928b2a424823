// Ingresses (networking.k8s.io/v1 and extensions/v1beta1): pkg/printers/internalversion/printers.go printIngress.
import { ageColumn, column, nameColumn } from "./columns.ts";
import { str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import { loadBalancerAddresses } from "./services.ts";
import type { TablePrinter } from "./types.ts";

/** formatHosts: up to three hosts; "+ N more..." counts rules (with or without a host) past the third. */
export function formatHosts(rules: any[]): string {
  const max = 3;
  const list: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (list.length === max) more = true;
    if (!more && str(rule?.host) !== "") list.push(rule.host);
  }
  if (list.length === 0) return "*";
  const ret = list.join(",");
  return more ? `${ret} + ${rules.length - max} more...` : ret;
}

export const ingressPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column(
      "Class",
      "string",
      "The name of the IngressClass resource that should be used for additional configuration",
    ),
    column("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule"),
    column("Address", "string", "Address is a list containing ingress points for the load-balancer"),
    column("Ports", "string", "Ports of TLS configurations that open"),
    ageColumn,
  ],
  cells(ing, now) {
    const spec = ing.spec ?? {};
    const className = spec.ingressClassName;
    return [
      str(ing.metadata?.name),
      className === undefined || className === null ? "<none>" : str(className),
      formatHosts(spec.rules ?? []),
      loadBalancerAddresses(ing.status?.loadBalancer),
      (spec.tls ?? []).length !== 0 ? "80, 443" : "80",
      translateTimestampSince(ing.metadata?.creationTimestamp, now),
    ];
  },
};
