import {
  duplicate,
  invalid,
  notSupported,
  required,
  type FieldError,
} from "../../apimachinery/field-error.ts";
import {
  asArray,
  asMap,
  dnsLabel,
  fieldImmutableErrorMsg,
  idx,
  qualifiedName,
  str,
  validateLabels,
} from "./common.ts";
import {
  ipErrors,
  isDNS1123Label,
  isDNS1123Subdomain,
  isIPv4,
  isIPv6,
  isValidPortNum,
  nameIsDNSSubdomain,
} from "./formats.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts";

const supportedProtocols = ["SCTP", "TCP", "UDP"];

function tooMany(field: string, actual: number, max: number): FieldError {
  return { type: "FieldValueTooMany", field, value: actual, detail: `must have at most ${max} items` };
}

// core/validation ValidateNonSpecialIP
export function validateNonSpecialIP(ip: string, path: string): FieldError[] {
  if (!isIPv4(ip) && !isIPv6(ip)) return [invalid(path, ip, "must be a valid IP address")];
  const errs: FieldError[] = [];
  const v4 = isIPv4(ip) ? ip.split(".").map(Number) : undefined;
  const v6 = ip.toLowerCase();
  if ((v4 && v4.every((o) => o === 0)) || /^(0*:)*:?0*$/.test(v6) || v6 === "::")
    errs.push(invalid(path, ip, `may not be unspecified (${ip})`));
  if ((v4 && v4[0] === 127) || v6 === "::1")
    errs.push(invalid(path, ip, "may not be in the loopback range (127.0.0.0/8, ::1/128)"));
  if ((v4 && v4[0] === 169 && v4[1] === 254) || /^fe[89ab][0-9a-f]?:/.test(v6))
    errs.push(invalid(path, ip, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"));
  if ((v4 && v4[0] === 224 && v4[1] === 0 && v4[2] === 0) || v6.startsWith("ff02:"))
    errs.push(invalid(path, ip, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"));
  return errs;
}

function validateEndpointPort(port: Record<string, any>, requireName: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(port.name);
  if (requireName && !name) errs.push(required(`${path}.name`, ""));
  else if (name) errs.push(...dnsLabel(name, `${path}.name`));
  const p = typeof port.port === "number" ? port.port : 0;
  for (const m of isValidPortNum(p)) errs.push(invalid(`${path}.port`, p, m));
  const proto = str(port.protocol);
  if (!proto) errs.push(required(`${path}.protocol`, ""));
  else if (!supportedProtocols.includes(proto))
    errs.push(notSupported(`${path}.protocol`, proto, supportedProtocols));
  if (port.appProtocol != null) errs.push(...qualifiedName(str(port.appProtocol), `${path}.appProtocol`));
  return errs;
}

function validateEndpointAddress(addr: Record<string, any>, path: string): FieldError[] {
  const ip = str(addr.ip);
  const errs = ipErrors(ip).map((m) => invalid(`${path}.ip`, ip, m));
  if (str(addr.hostname)) errs.push(...dnsLabel(addr.hostname, `${path}.hostname`));
  if (addr.nodeName != null)
    for (const m of nameIsDNSSubdomain(str(addr.nodeName), false))
      errs.push(invalid(`${path}.nodeName`, str(addr.nodeName), m));
  errs.push(...validateNonSpecialIP(ip, `${path}.ip`));
  return errs;
}

// core/validation ValidateEndpoints (create and update alike)
export function validateEndpoints(ep: Record<string, any>): FieldError[] {
  const errs = validateObjectMeta(ep.metadata, true, nameIsDNSSubdomain);
  asArray(ep.subsets).forEach((s, i) => {
    const ss = asMap(s);
    const p = idx("subsets", i);
    const addresses = asArray(ss.addresses);
    const notReady = asArray(ss.notReadyAddresses);
    if (addresses.length === 0 && notReady.length === 0)
      errs.push(required(p, "must specify `addresses` or `notReadyAddresses`"));
    addresses.forEach((a, j) => errs.push(...validateEndpointAddress(asMap(a), idx(`${p}.addresses`, j))));
    notReady.forEach((a, j) =>
      errs.push(...validateEndpointAddress(asMap(a), idx(`${p}.notReadyAddresses`, j))),
    );
    const ports = asArray(ss.ports);
    ports.forEach((port, j) =>
      errs.push(...validateEndpointPort(asMap(port), ports.length > 1, idx(`${p}.ports`, j))),
    );
  });
  return errs;
}

export function validateEndpointsUpdate(ep: Record<string, any>, old: Record<string, any>): FieldError[] {
  return [...validateObjectMetaUpdate(ep.metadata, old.metadata), ...validateEndpoints(ep)];
}

// ---- EndpointSlice (pkg/apis/discovery/validation)

const addressTypes = ["FQDN", "IPv4", "IPv6"];

function fqdnErrors(value: string, path: string): FieldError[] {
  if (!value) return [required(path, "")];
  const name = value.endsWith(".") ? value.slice(0, -1) : value;
  const sub = isDNS1123Subdomain(name);
  if (sub.length) return [invalid(path, name, sub.join(","))];
  const labels = name.split(".");
  if (labels.length < 2)
    return [invalid(path, name, "should be a domain with at least two segments separated by dots")];
  for (const l of labels) {
    const le = isDNS1123Label(l);
    if (le.length) return [invalid(path, l, le.join(","))];
  }
  return [];
}

export function validateEndpointSlice(es: Record<string, any>): FieldError[] {
  const errs = validateObjectMeta(es.metadata, true, nameIsDNSSubdomain);
  const at = str(es.addressType);
  if (!at) errs.push(required("addressType", ""));
  else if (!addressTypes.includes(at)) errs.push(notSupported("addressType", at, addressTypes));
  const endpoints = asArray(es.endpoints);
  if (endpoints.length > 1000) errs.push(tooMany("endpoints", endpoints.length, 1000));
  endpoints.forEach((e, i) => {
    const ep = asMap(e);
    const p = idx("endpoints", i);
    const addresses = asArray(ep.addresses).map(String);
    if (addresses.length === 0) errs.push(required(`${p}.addresses`, "must contain at least 1 address"));
    else if (addresses.length > 100) errs.push(tooMany(`${p}.addresses`, addresses.length, 100));
    addresses.forEach((a, j) => {
      const ap = idx(`${p}.addresses`, j);
      if (at === "IPv4") {
        if (!isIPv4(a)) errs.push(invalid(ap, a, "must be a valid IPv4 address"));
        else errs.push(...validateNonSpecialIP(a, ap));
      } else if (at === "IPv6") {
        if (!isIPv6(a)) errs.push(invalid(ap, a, "must be a valid IPv6 address"));
        else errs.push(...validateNonSpecialIP(a, ap));
      } else if (at === "FQDN") errs.push(...fqdnErrors(a, ap));
    });
    if (ep.nodeName != null)
      for (const m of nameIsDNSSubdomain(str(ep.nodeName), false))
        errs.push(invalid(`${p}.nodeName`, str(ep.nodeName), m));
    errs.push(...validateLabels(ep.deprecatedTopology, `${p}.deprecatedTopology`));
    if (ep.hostname != null) errs.push(...dnsLabel(str(ep.hostname), `${p}.hostname`));
  });
  const ports = asArray(es.ports);
  if (ports.length > 20000) errs.push(tooMany("ports", ports.length, 20000));
  const names = new Set<string>();
  ports.forEach((pt, i) => {
    const port = asMap(pt);
    const p = idx("ports", i);
    const name = str(port.name);
    if (name) errs.push(...dnsLabel(name, `${p}.name`));
    if (names.has(name)) errs.push(duplicate(`${p}.name`, name));
    else names.add(name);
    if (port.protocol == null) errs.push(required(`${p}.protocol`, ""));
    else if (!supportedProtocols.includes(port.protocol))
      errs.push(notSupported(`${p}.protocol`, port.protocol, supportedProtocols));
    if (port.appProtocol != null) errs.push(...qualifiedName(str(port.appProtocol), `${p}.appProtocol`));
  });
  return errs;
}

export function validateEndpointSliceUpdate(es: Record<string, any>, old: Record<string, any>): FieldError[] {
  const errs = [...validateObjectMetaUpdate(es.metadata, old.metadata), ...validateEndpointSlice(es)];
  if (str(es.addressType) !== str(old.addressType))
    errs.push(invalid("addressType", str(es.addressType), fieldImmutableErrorMsg));
  return errs;
}
