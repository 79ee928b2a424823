import {
  forbidden,
  invalid,
  notSupported,
  required,
  tooLong,
  type FieldError,
} from "../../apimachinery/field-error.ts";
import { asArray, asMap, dnsSubdomain, fieldImmutableErrorMsg, idx, isObject, str } from "./common.ts";
import {
  isDNS1123Subdomain,
  isIP,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  regexError,
} from "./formats.ts";
import { GoValue } from "./go-value.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts";

const pathTypes = ["Exact", "ImplementationSpecific", "Prefix"];
const invalidPathSequences = ["//", "/./", "/../", "%2f", "%2F"];
const invalidPathSuffixes = ["/..", "/."];

function validateBackend(backend: Record<string, any>, path: string): FieldError[] {
  const hasResource = isObject(backend.resource);
  const hasService = isObject(backend.service);
  if (hasResource && hasService) return [invalid(path, "", "cannot set both resource and service backends")];
  if (hasResource) {
    const r = backend.resource;
    const errs: FieldError[] = [];
    if (r.apiGroup != null) errs.push(...dnsSubdomain(str(r.apiGroup), `${path}.resource.apiGroup`));
    if (!str(r.kind)) errs.push(required(`${path}.resource.kind`, ""));
    if (!str(r.name)) errs.push(required(`${path}.resource.name`, ""));
    return errs;
  }
  if (!hasService) return [invalid(path, "", "resource or service backend is required")];
  const svc = backend.service;
  const errs: FieldError[] = [];
  const name = str(svc.name);
  if (!name) errs.push(required(`${path}.service.name`, ""));
  else for (const m of nameIsDNS1035Label(name, false)) errs.push(invalid(`${path}.service.name`, name, m));
  const port = asMap(svc.port);
  const portName = str(port.name);
  const portNumber = typeof port.number === "number" ? port.number : 0;
  if (portName && portNumber) errs.push(invalid(path, "", "cannot set both port name & port number"));
  else if (portName)
    for (const m of isValidPortName(portName)) errs.push(invalid(`${path}.service.port.name`, portName, m));
  else if (portNumber)
    for (const m of isValidPortNum(portNumber))
      errs.push(invalid(`${path}.service.port.number`, portNumber, m));
  else errs.push(required(path, "port name or number is required"));
  return errs;
}

function validatePath(p: Record<string, any>, path: string): FieldError[] {
  if (p.pathType == null) return [required(`${path}.pathType`, "pathType must be specified")];
  const errs: FieldError[] = [];
  const value = str(p.path);
  switch (p.pathType) {
    case "Exact":
    case "Prefix":
      if (!value.startsWith("/")) errs.push(invalid(`${path}.path`, value, "must be an absolute path"));
      if (value) {
        for (const seq of invalidPathSequences)
          if (value.includes(seq)) errs.push(invalid(`${path}.path`, value, `must not contain '${seq}'`));
        for (const suf of invalidPathSuffixes)
          if (value.endsWith(suf)) errs.push(invalid(`${path}.path`, value, `cannot end with '${suf}'`));
      }
      break;
    case "ImplementationSpecific":
      if (value && !value.startsWith("/"))
        errs.push(invalid(`${path}.path`, value, "must be an absolute path"));
      break;
    default:
      errs.push(notSupported(`${path}.pathType`, p.pathType, pathTypes));
  }
  errs.push(...validateBackend(asMap(p.backend), `${path}.backend`));
  return errs;
}

function hostErrors(host: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (isIP(host)) errs.push(invalid(path, host, "must be a DNS name, not an IP address"));
  const msgs = host.includes("*") ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
  for (const m of msgs) errs.push(invalid(path, host, m));
  return errs;
}

// networking/validation ValidateIngressSpec
function validateIngressSpec(specIn: unknown): FieldError[] {
  const spec = asMap(specIn);
  const errs: FieldError[] = [];
  const rules = asArray(spec.rules);
  if (rules.length === 0 && spec.defaultBackend == null)
    errs.push(
      invalid(
        "spec",
        new GoValue(spec.rules ? "[]networking.IngressRule{}" : "[]networking.IngressRule(nil)"),
        "either `defaultBackend` or `rules` must be specified",
      ),
    );
  if (isObject(spec.defaultBackend))
    errs.push(...validateBackend(spec.defaultBackend, "spec.defaultBackend"));
  rules.forEach((r, i) => {
    const rule = asMap(r);
    const p = idx("spec.rules", i);
    if (str(rule.host)) errs.push(...hostErrors(rule.host, `${p}.host`));
    if (isObject(rule.http)) {
      const paths = asArray(rule.http.paths);
      if (paths.length === 0) errs.push(required(`${p}.http.paths`, ""));
      paths.forEach((hp, j) => errs.push(...validatePath(asMap(hp), idx(`${p}.http.paths`, j))));
    }
  });
  asArray(spec.tls).forEach((t, i) => {
    const tls = asMap(t);
    const p = idx("spec.tls", i);
    asArray(tls.hosts).forEach((h, j) => {
      const host = String(h);
      const msgs = host.includes("*") ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
      for (const m of msgs) errs.push(invalid(idx(`${p}.hosts`, j), host, m));
    });
    if (str(tls.secretName))
      for (const m of nameIsDNSSubdomain(tls.secretName, false))
        errs.push(invalid(`${p}.secretName`, tls.secretName, m));
  });
  if (spec.ingressClassName != null)
    for (const m of nameIsDNSSubdomain(str(spec.ingressClassName), false))
      errs.push(invalid("spec.ingressClassName", str(spec.ingressClassName), m));
  return errs;
}

export function validateIngress(ing: Record<string, any>): FieldError[] {
  const errs = [
    ...validateObjectMeta(ing.metadata, true, nameIsDNSSubdomain),
    ...validateIngressSpec(ing.spec),
  ];
  const annotation = asMap(asMap(ing.metadata).annotations)["kubernetes.io/ingress.class"];
  const className = asMap(ing.spec).ingressClassName;
  if (annotation !== undefined && className != null && annotation !== className)
    errs.push(
      invalid(
        "annotations.kubernetes.io/ingress.class",
        annotation,
        "must match `ingressClassName` when both are specified",
      ),
    );
  return errs;
}

export function validateIngressUpdate(ing: Record<string, any>, old: Record<string, any>): FieldError[] {
  return [
    ...validateObjectMetaUpdate(ing.metadata, old.metadata),
    ...validateObjectMeta(ing.metadata, true, nameIsDNSSubdomain),
    ...validateIngressSpec(ing.spec),
  ];
}

export function validateIngressStatusUpdate(
  ing: Record<string, any>,
  old: Record<string, any>,
): FieldError[] {
  const errs = validateObjectMetaUpdate(ing.metadata, old.metadata);
  asArray(asMap(asMap(ing.status).loadBalancer).ingress).forEach((x, i) => {
    const p = idx("status.loadBalancer.ingress", i);
    const e = asMap(x);
    if (str(e.ip) && !isIP(e.ip))
      errs.push(invalid(`${p}.ip`, e.ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
    if (str(e.hostname)) {
      errs.push(...dnsSubdomain(e.hostname, `${p}.hostname`));
      if (isIP(e.hostname))
        errs.push(invalid(`${p}.hostname`, e.hostname, "must be a DNS name, not an IP address"));
    }
  });
  return errs;
}

// ---- IngressClass

const httpPathFmt = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";

// apimachinery util/validation IsDomainPrefixedPath
function domainPrefixedPath(value: string, path: string): FieldError[] {
  if (!value) return [required(path, "")];
  const i = value.indexOf("/");
  if (i <= 0 || i === value.length - 1)
    return [invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const host = value.slice(0, i);
  const rest = value.slice(i + 1);
  const errs = isDNS1123Subdomain(host).map((m) => invalid(path, host, m));
  if (!new RegExp(`^${httpPathFmt}$`).test(rest))
    errs.push(invalid(path, rest, regexError("Invalid path", httpPathFmt)));
  return errs;
}

function validateIngressClassSpec(specIn: unknown): FieldError[] {
  const spec = asMap(specIn);
  const errs: FieldError[] = [];
  const controller = str(spec.controller);
  if (!controller) errs.push(required("spec.controller", ""));
  else {
    if (controller.length > 250) errs.push(tooLong("spec.controller", "", 250));
    errs.push(...domainPrefixedPath(controller, "spec.controller"));
  }
  if (isObject(spec.parameters)) {
    const p = spec.parameters;
    if (p.apiGroup != null) errs.push(...dnsSubdomain(str(p.apiGroup), "spec.parameters.apiGroup"));
    if (!str(p.kind)) errs.push(required("spec.parameters.kind", ""));
    if (!str(p.name)) errs.push(required("spec.parameters.name", ""));
    if (p.scope == null) errs.push(required("spec.parameters.scope", ""));
    else if (p.scope !== "Cluster" && p.scope !== "Namespace")
      errs.push(notSupported("spec.parameters.scope", p.scope, ["Cluster", "Namespace"]));
    else if (p.scope === "Namespace") {
      if (p.namespace == null)
        errs.push(required("spec.parameters.namespace", "`parameters.scope` is set to 'Namespace'"));
      else
        for (const m of nameIsDNSLabel(str(p.namespace), false))
          errs.push(invalid("spec.parameters.namespace", str(p.namespace), m));
    } else if (p.namespace != null)
      errs.push(forbidden("spec.parameters.namespace", "`parameters.scope` is set to 'Cluster'"));
  }
  return errs;
}

export function validateIngressClass(ic: Record<string, any>): FieldError[] {
  return [
    ...validateObjectMeta(ic.metadata, false, nameIsDNSSubdomain),
    ...validateIngressClassSpec(ic.spec),
  ];
}

export function validateIngressClassUpdate(ic: Record<string, any>, old: Record<string, any>): FieldError[] {
  const errs = validateObjectMetaUpdate(ic.metadata, old.metadata);
  const c = str(asMap(ic.spec).controller);
  if (c !== str(asMap(old.spec).controller)) errs.push(invalid("spec.controller", c, fieldImmutableErrorMsg));
  errs.push(...validateIngressClass(ic));
  return errs;
}
