import {
  duplicate,
  forbidden,
  invalid,
  notSupported,
  required,
  type FieldError,
} from "../../apimachinery/field-error.ts";
import { asArray, asMap, dnsLabel, dnsSubdomain, idx, qualifiedName, str, validateLabels } from "./common.ts";
import { ipErrors, isIPv6, isValidPortNum, nameIsDNS1035Label } from "./formats.ts";
import { GoValue, goStringSlice } from "./go-value.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts";
import { validatePortNumOrName } from "./probes.ts";

const supportedProtocols = ["SCTP", "TCP", "UDP"];
const serviceTypes = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];

function isHeadless(spec: Record<string, any>): boolean {
  const ips = asArray(spec.clusterIPs);
  return ips.length === 1 && ips[0] === "None";
}

function externallyAccessible(spec: Record<string, any>): boolean {
  return (
    spec.type === "LoadBalancer" ||
    spec.type === "NodePort" ||
    (spec.type === "ClusterIP" && asArray(spec.externalIPs).length > 0)
  );
}

function goServicePort(protocol: string, port: number): GoValue {
  return new GoValue(
    `core.ServicePort{Name:"", Protocol:${JSON.stringify(protocol)}, AppProtocol:(*string)(nil), Port:${port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`,
  );
}

function validateServicePort(
  port: Record<string, any>,
  requireName: boolean,
  names: Set<string>,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(port.name);
  if (requireName && !name) errs.push(required(`${path}.name`, ""));
  else if (name) {
    errs.push(...dnsLabel(name, `${path}.name`));
    if (names.has(name)) errs.push(duplicate(`${path}.name`, name));
    else names.add(name);
  }
  const p = typeof port.port === "number" ? port.port : 0;
  for (const m of isValidPortNum(p)) errs.push(invalid(`${path}.port`, p, m));
  const proto = str(port.protocol);
  if (!proto) errs.push(required(`${path}.protocol`, ""));
  else if (!supportedProtocols.includes(proto))
    errs.push(notSupported(`${path}.protocol`, proto, supportedProtocols));
  errs.push(...validatePortNumOrName(port.targetPort, `${path}.targetPort`));
  if (port.appProtocol != null) errs.push(...qualifiedName(str(port.appProtocol), `${path}.appProtocol`));
  return errs;
}

function validateClusterIPFields(spec: Record<string, any>): FieldError[] {
  if (spec.type === "ExternalName") return [];
  const errs: FieldError[] = [];
  const ips = asArray(spec.clusterIPs).map(String);
  if (str(spec.clusterIP)) {
    if (ips.length === 0) errs.push(required("spec.clusterIPs", ""));
    else if (ips[0] !== spec.clusterIP)
      errs.push(invalid("spec.clusterIPs", goStringSlice(ips), "first value must match `clusterIP`"));
  } else if (ips.length) {
    errs.push(
      invalid("spec.clusterIPs", goStringSlice(ips), "must be empty when `clusterIP` is not specified"),
    );
  }
  const seen = new Set<string>();
  asArray(spec.ipFamilies).forEach((f, i) => {
    if (f !== "IPv4" && f !== "IPv6") errs.push(notSupported(idx("spec.ipFamilies", i), f, ["IPv4", "IPv6"]));
    if (seen.has(f)) errs.push(duplicate(idx("spec.ipFamilies", i), f));
    seen.add(f);
  });
  const policies = ["PreferDualStack", "RequireDualStack", "SingleStack"];
  if (spec.ipFamilyPolicy != null && !policies.includes(spec.ipFamilyPolicy))
    errs.push(notSupported("spec.ipFamilyPolicy", spec.ipFamilyPolicy, policies));
  let bad = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === "None") {
      if (ips.length > 1) {
        bad = true;
        errs.push(invalid("spec.clusterIPs", goStringSlice(ips), "'None' must be the first and only value"));
      }
      return;
    }
    const msgs = ipErrors(ip);
    if (msgs.length) bad = true;
    for (const m of msgs) errs.push(invalid(idx("spec.clusterIPs", i), ip, m));
  });
  if (ips.length > 2)
    errs.push(invalid("spec.clusterIPs", goStringSlice(ips), "may only hold up to 2 values"));
  if (bad) return errs;
  if (ips.length > 1 && isIPv6(ips[0]) === isIPv6(ips[1]))
    errs.push(
      invalid("spec.clusterIPs", goStringSlice(ips), "may specify no more than one IP for each IP family"),
    );
  if (!isHeadless(spec)) {
    const fams = asArray(spec.ipFamilies);
    ips.forEach((ip, i) => {
      if (i >= fams.length) return;
      if (fams[i] === "IPv4" && isIPv6(ip))
        errs.push(
          invalid(
            idx("spec.clusterIPs", i),
            ip,
            `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``,
          ),
        );
      if (fams[i] === "IPv6" && !isIPv6(ip))
        errs.push(
          invalid(
            idx("spec.clusterIPs", i),
            ip,
            `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``,
          ),
        );
    });
  }
  return errs;
}

// core/validation ValidateService
export function validateService(svc: Record<string, any>): FieldError[] {
  const errs = validateObjectMeta(svc.metadata, true, nameIsDNS1035Label);
  const spec = asMap(svc.spec);
  const ports = asArray(spec.ports);
  const type = str(spec.type);
  if (ports.length === 0 && !isHeadless(spec) && type !== "ExternalName")
    errs.push(required("spec.ports", ""));
  if ((type === "LoadBalancer" || type === "NodePort") && isHeadless(spec))
    errs.push(invalid("spec.clusterIPs[0]", "None", `may not be set to 'None' for ${type} services`));
  if (type === "ExternalName") {
    if (asArray(spec.clusterIPs).length > 0)
      errs.push(forbidden("spec.clusterIPs", "may not be set for ExternalName services"));
    if (asArray(spec.ipFamilies).length > 0)
      errs.push(forbidden("spec.ipFamilies", "may not be set for ExternalName services"));
    if (spec.ipFamilyPolicy != null)
      errs.push(forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services"));
    const cname = str(spec.externalName).replace(/\.$/, "");
    if (cname) errs.push(...dnsSubdomain(cname, "spec.externalName"));
    else errs.push(required("spec.externalName", ""));
  }
  const names = new Set<string>();
  ports.forEach((p, i) =>
    errs.push(...validateServicePort(asMap(p), ports.length > 1, names, idx("spec.ports", i))),
  );
  if (spec.selector != null) errs.push(...validateLabels(spec.selector, "spec.selector"));

  const affinity = str(spec.sessionAffinity);
  if (!affinity) errs.push(required("spec.sessionAffinity", ""));
  else if (affinity !== "ClientIP" && affinity !== "None")
    errs.push(notSupported("spec.sessionAffinity", affinity, ["ClientIP", "None"]));
  if (affinity === "ClientIP") {
    const cfg = spec.sessionAffinityConfig;
    const detail = "when session affinity type is ClientIP";
    if (cfg == null) errs.push(required("spec.sessionAffinityConfig", detail));
    else if (cfg.clientIP == null) errs.push(required("spec.sessionAffinityConfig.clientIP", detail));
    else if (cfg.clientIP.timeoutSeconds == null)
      errs.push(required("spec.sessionAffinityConfig.clientIP.timeoutSeconds", detail));
    else {
      const t = cfg.clientIP.timeoutSeconds;
      if (t <= 0 || t > 86400)
        errs.push(
          invalid(
            "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
            t,
            "must be greater than 0 and less than 86400",
          ),
        );
    }
  } else if (affinity === "None" && spec.sessionAffinityConfig != null) {
    errs.push(forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None"));
  }
  errs.push(...validateClusterIPFields(spec));
  asArray(spec.externalIPs).forEach((ip, i) => {
    for (const m of ipErrors(String(ip))) errs.push(invalid(idx("spec.externalIPs", i), String(ip), m));
  });
  if (!type) errs.push(required("spec.type", ""));
  else if (!serviceTypes.includes(type)) errs.push(notSupported("spec.type", type, serviceTypes));
  if (type === "ClusterIP")
    ports.forEach((p, i) => {
      if (asMap(p).nodePort)
        errs.push(
          forbidden(`${idx("spec.ports", i)}.nodePort`, "may not be used when `type` is 'ClusterIP'"),
        );
    });
  const nodePorts = new Set<string>();
  const portKeys = new Set<string>();
  ports.forEach((p, i) => {
    const sp = asMap(p);
    if (sp.nodePort) {
      const k = `${str(sp.protocol)}/${sp.nodePort}`;
      if (nodePorts.has(k)) errs.push(duplicate(`${idx("spec.ports", i)}.nodePort`, sp.nodePort));
      nodePorts.add(k);
    }
    const k = `${str(sp.protocol)}/${sp.port}`;
    if (portKeys.has(k)) errs.push(duplicate(idx("spec.ports", i), goServicePort(str(sp.protocol), sp.port)));
    portKeys.add(k);
  });
  if (asArray(spec.loadBalancerSourceRanges).length > 0 && type !== "LoadBalancer")
    errs.push(forbidden("spec.LoadBalancerSourceRanges", "may only be used when `type` is 'LoadBalancer'"));
  if (spec.allocateLoadBalancerNodePorts != null && type !== "LoadBalancer")
    errs.push(
      forbidden("spec.allocateLoadBalancerNodePorts", "may only be used when `type` is 'LoadBalancer'"),
    );
  // core/validation reports this one without the "spec." prefix.
  if (type === "LoadBalancer" && spec.allocateLoadBalancerNodePorts == null)
    errs.push(required("allocateLoadBalancerNodePorts", ""));
  if (spec.loadBalancerClass != null) {
    if (type === "LoadBalancer")
      errs.push(...qualifiedName(str(spec.loadBalancerClass), "spec.loadBalancerClass"));
    else errs.push(forbidden("spec.loadBalancerClass", "may only be used when `type` is 'LoadBalancer'"));
  }
  const etp = str(spec.externalTrafficPolicy);
  if (!externallyAccessible(spec)) {
    if (etp)
      errs.push(
        invalid("spec.externalTrafficPolicy", etp, "may only be set for externally-accessible services"),
      );
  } else if (!etp) errs.push(required("spec.externalTrafficPolicy", ""));
  else if (etp !== "Cluster" && etp !== "Local")
    errs.push(notSupported("spec.externalTrafficPolicy", etp, ["Cluster", "Local"]));
  const needsHealthCheck = type === "LoadBalancer" && etp === "Local";
  const hc = typeof spec.healthCheckNodePort === "number" ? spec.healthCheckNodePort : 0;
  if (!needsHealthCheck && hc !== 0)
    errs.push(
      invalid(
        "spec.healthCheckNodePort",
        hc,
        "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
      ),
    );
  if (needsHealthCheck) {
    if (hc === 0) errs.push(required("spec.healthCheckNodePort", ""));
    else for (const m of isValidPortNum(hc)) errs.push(invalid("spec.healthCheckNodePort", hc, m));
  }
  if (spec.internalTrafficPolicy == null) {
    if (type === "NodePort" || type === "LoadBalancer" || type === "ClusterIP")
      errs.push(required("spec.internalTrafficPolicy", ""));
  } else if (spec.internalTrafficPolicy !== "Cluster" && spec.internalTrafficPolicy !== "Local") {
    errs.push(notSupported("spec.internalTrafficPolicy", spec.internalTrafficPolicy, ["Cluster", "Local"]));
  }
  return errs;
}

// core/validation validateUpgradeDowngradeClusterIPs
function clusterIPsUpdate(spec: Record<string, any>, oldSpec: Record<string, any>): FieldError[] {
  if (spec.type === "ExternalName" || oldSpec.type === "ExternalName") return [];
  if (isHeadless(spec) && isHeadless(oldSpec)) return [];
  const n = asArray(spec.clusterIPs).map(String);
  const o = asArray(oldSpec.clusterIPs).map(String);
  const errs: FieldError[] = [];
  if (n.length === o.length) {
    o.forEach((ip, i) => {
      if (ip !== n[i])
        errs.push(invalid(idx("spec.clusterIPs", i), goStringSlice(n), "may not change once set"));
    });
  } else if (o.length > n.length) {
    if (n.length === 0)
      errs.push(invalid("spec.clusterIPs[0]", goStringSlice(n), "primary clusterIP can not be unset"));
    if (o.length > 0 && n.length > 0 && n[0] !== o[0])
      errs.push(invalid("spec.clusterIPs[0]", goStringSlice(n), "may not change once set"));
    if (n.length === 1 && spec.ipFamilyPolicy !== "SingleStack")
      errs.push(
        invalid(
          "spec.ipFamilyPolicy",
          spec.ipFamilyPolicy ?? null,
          "must be set to 'SingleStack' when releasing the secondary clusterIP",
        ),
      );
  } else if (o.length > 0 && n[0] !== o[0]) {
    errs.push(invalid("spec.clusterIPs[0]", goStringSlice(n), "may not change once set"));
  }
  return errs;
}

export function validateServiceUpdate(svc: Record<string, any>, old: Record<string, any>): FieldError[] {
  const spec = asMap(svc.spec);
  const oldSpec = asMap(old.spec);
  const errs = [...validateObjectMetaUpdate(svc.metadata, old.metadata), ...clusterIPsUpdate(spec, oldSpec)];
  if (
    oldSpec.type === "LoadBalancer" &&
    spec.type === "LoadBalancer" &&
    (spec.loadBalancerClass ?? null) !== (oldSpec.loadBalancerClass ?? null)
  )
    errs.push(invalid("spec.loadBalancerClass", spec.loadBalancerClass ?? null, "may not change once set"));
  const needs = (s: Record<string, any>) => s.type === "LoadBalancer" && s.externalTrafficPolicy === "Local";
  if (needs(spec) && needs(oldSpec) && spec.healthCheckNodePort !== oldSpec.healthCheckNodePort)
    errs.push(forbidden("spec.healthCheckNodePort", "field is immutable"));
  errs.push(...validateService(svc));
  return errs;
}

export function validateServiceStatusUpdate(
  svc: Record<string, any>,
  old: Record<string, any>,
): FieldError[] {
  const errs = validateObjectMetaUpdate(svc.metadata, old.metadata);
  const ingress = asArray(asMap(asMap(svc.status).loadBalancer).ingress);
  if (asMap(svc.spec).type !== "LoadBalancer" && ingress.length > 0) {
    errs.push(
      forbidden("status.loadBalancer.ingress", "may only be used when `spec.type` is 'LoadBalancer'"),
    );
    return errs;
  }
  ingress.forEach((ing, i) => {
    const p = idx("status.loadBalancer.ingress", i);
    const ip = str(asMap(ing).ip);
    if (ip) for (const m of ipErrors(ip)) errs.push(invalid(`${p}.ip`, ip, m));
    const hostname = str(asMap(ing).hostname);
    if (hostname) errs.push(...dnsSubdomain(hostname, `${p}.hostname`));
  });
  return errs;
}
