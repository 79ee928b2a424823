// Endpoints: pkg/printers/internalversion/printers.go printEndpoints and formatEndpoints.
import { ageColumn, column, nameColumn } from "./columns.ts";
import { int, str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

const joinHostPort = (host: string, port: number): string =>
  host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;

/** Up to three ip:port pairs, then " + N more..." counting every address of every port. */
export function formatEndpoints(ep: any): string {
  const subsets: any[] = ep.subsets ?? [];
  if (subsets.length === 0) return "<none>";
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses: any[] = ss?.addresses ?? [];
    const ports: any[] = ss?.ports ?? [];
    if (ports.length === 0) {
      // Headless services may have no ports.
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(str(a?.ip));
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(str(a?.ip), int(port?.port)));
      }
    }
  }
  const ret = list.join(",");
  return more ? `${ret} + ${count - max} more...` : ret;
}

export const endpointsPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column("Endpoints", "string", "The ready addresses and ports of the endpoints."),
    ageColumn,
  ],
  cells(ep, now) {
    return [
      str(ep.metadata?.name),
      formatEndpoints(ep),
      translateTimestampSince(ep.metadata?.creationTimestamp, now),
    ];
  },
};
