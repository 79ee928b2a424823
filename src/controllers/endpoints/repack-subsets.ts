// pkg/api/v1/endpoints/util.go RepackSubsets: addresses that share the same ports end up in one
// subset; each address is listed once per subset, ready or not ready.

export interface AddressEntry {
  address: Record<string, any>;
  ready: boolean;
  /** undefined: a headless service without ports. */
  port?: Record<string, any>;
}

const addrKey = (a: Record<string, any>) => `${a.ip}/${a.targetRef?.uid ?? ""}`;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function compareAddresses(a: Record<string, any>, b: Record<string, any>): number {
  return cmp(a.ip, b.ip) || cmp(a.targetRef?.uid ?? "", b.targetRef?.uid ?? "");
}

export function repackSubsets(entries: AddressEntry[]): any[] {
  const addresses = new Map<string, Record<string, any>>();
  const portsByKey = new Map<string, Record<string, any> | undefined>();
  const readyByPort = new Map<string, Map<string, boolean>>();
  for (const e of entries) {
    const ak = addrKey(e.address);
    addresses.set(ak, e.address);
    const pk = e.port
      ? JSON.stringify([e.port.name ?? "", e.port.port, e.port.protocol ?? "", e.port.appProtocol ?? ""])
      : "-";
    portsByKey.set(pk, e.port);
    let m = readyByPort.get(pk);
    if (!m) readyByPort.set(pk, (m = new Map()));
    // A pod listed ready for a port stays ready there.
    m.set(ak, (m.get(ak) ?? false) || e.ready);
  }
  const groups = new Map<string, { ready: Map<string, boolean>; ports: Record<string, any>[] }>();
  for (const [pk, m] of readyByPort) {
    const gk = [...m.entries()]
      .map(([a, r]) => `${a}=${r}`)
      .sort()
      .join(",");
    let g = groups.get(gk);
    if (!g) groups.set(gk, (g = { ready: m, ports: [] }));
    const port = portsByKey.get(pk);
    if (port) g.ports.push(port);
  }
  const subsets: any[] = [];
  for (const g of groups.values()) {
    const ready: Record<string, any>[] = [];
    const notReady: Record<string, any>[] = [];
    for (const [a, r] of g.ready) (r ? ready : notReady).push(addresses.get(a)!);
    const ss: Record<string, any> = {};
    if (ready.length) ss.addresses = ready.sort(compareAddresses);
    if (notReady.length) ss.notReadyAddresses = notReady.sort(compareAddresses);
    if (g.ports.length)
      ss.ports = g.ports.sort(
        (x, y) =>
          cmp(x.name ?? "", y.name ?? "") || x.port - y.port || cmp(x.protocol ?? "", y.protocol ?? ""),
      );
    subsets.push(ss);
  }
  const first = (s: any) => (s.addresses ?? s.notReadyAddresses)[0];
  const portsText = (s: any) => JSON.stringify(s.ports ?? []);
  return subsets.sort((a, b) => compareAddresses(first(a), first(b)) || cmp(portsText(a), portsText(b)));
}
