// EndpointSlices: pkg/printers/internalversion/printers.go printEndpointSlice.
import { ageColumn, column, nameColumn } from "./columns.ts";
import { str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

/** listWithMoreString: "<unset>" for none, up to three items then " + N more...". */
function listWithMore(items: string[]): string {
  const max = 3;
  if (items.length > max) return `${items.slice(0, max).join(",")} + ${items.length - max} more...`;
  return items.length === 0 ? "<unset>" : items.join(",");
}

export function formatSlicePorts(ports: any[] | undefined | null): string {
  return listWithMore(
    (ports ?? []).map((p) =>
      typeof p?.port === "number"
        ? String(p.port)
        : p?.name !== undefined && p?.name !== null
          ? str(p.name)
          : "*",
    ),
  );
}

export function formatSliceEndpoints(endpoints: any[] | undefined | null): string {
  return listWithMore((endpoints ?? []).flatMap((e) => ((e?.addresses ?? []) as unknown[]).map(str)));
}

export const endpointSlicePrinter: TablePrinter = {
  columns: [
    nameColumn,
    column("AddressType", "string", "The type of address carried by this slice (IPv4, IPv6, FQDN)."),
    column("Ports", "string", "The ports exposed by the endpoints in this slice."),
    column("Endpoints", "string", "The addresses of the endpoints in this slice."),
    ageColumn,
  ],
  cells(slice, now) {
    return [
      str(slice.metadata?.name),
      str(slice.addressType),
      formatSlicePorts(slice.ports),
      formatSliceEndpoints(slice.endpoints),
      translateTimestampSince(slice.metadata?.creationTimestamp, now),
    ];
  },
};
