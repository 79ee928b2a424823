// extensions/v1beta1 Ingress ↔ networking.k8s.io/v1 Ingress, as upstream's
// pkg/apis/networking/v1beta1/conversion.go and extensions/v1beta1/conversion.go do it.

type Obj = Record<string, any>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** {serviceName, servicePort} → {service: {name, port: {number} | {name}}}. */
function backendToV1(b: unknown): Obj {
  const { serviceName, servicePort, ...rest } = isObj(b) ? b : {};
  const out: Obj = { ...rest };
  // Upstream builds a service whenever any service field is set, including servicePort: "".
  const hasService =
    (typeof serviceName === "string" && serviceName !== "") ||
    typeof servicePort === "string" ||
    (typeof servicePort === "number" && servicePort !== 0);
  if (hasService) {
    const port: Obj = {};
    if (typeof servicePort === "string") {
      if (servicePort !== "") port.name = servicePort;
    } else if (typeof servicePort === "number" && servicePort !== 0) {
      port.number = servicePort;
    }
    out.service = { name: typeof serviceName === "string" ? serviceName : "", port };
  }
  return out;
}

/** {service: {name, port}} → {serviceName, servicePort}; servicePort is always present (int-or-string). */
function backendToV1beta1(b: unknown): Obj {
  const { service, ...rest } = isObj(b) ? b : {};
  const out: Obj = {};
  let servicePort: number | string = 0;
  if (isObj(service)) {
    if (typeof service.name === "string" && service.name !== "") out.serviceName = service.name;
    const port = isObj(service.port) ? service.port : {};
    if (typeof port.name === "string" && port.name !== "") servicePort = port.name;
    else if (typeof port.number === "number") servicePort = port.number;
  }
  // Go always emits an intstr, so a resource-only backend reads back as servicePort: 0.
  out.servicePort = servicePort;
  return { ...out, ...rest };
}

function mapRules(rules: unknown, path: (p: Obj) => Obj): unknown {
  if (!Array.isArray(rules)) return rules;
  return rules.map((rule) => {
    if (!isObj(rule) || !isObj(rule.http) || !Array.isArray(rule.http.paths)) return rule;
    return {
      ...rule,
      http: { ...rule.http, paths: rule.http.paths.map((p: unknown) => path(isObj(p) ? p : {})) },
    };
  });
}

/** spec and status of an extensions/v1beta1 Ingress in networking.k8s.io/v1 shape (metadata untouched). */
export function ingressV1beta1ToV1(obj: Obj): Obj {
  const out: Obj = { ...obj };
  if (isObj(obj.spec)) {
    const { backend, ...spec } = obj.spec;
    if (backend !== undefined && backend !== null) spec.defaultBackend = backendToV1(backend);
    if ("rules" in spec)
      spec.rules = mapRules(spec.rules, (p) => ({
        ...p,
        // extensions/v1beta1 defaults.go: SetDefaults_HTTPIngressPath
        pathType: p.pathType ?? "ImplementationSpecific",
        backend: backendToV1(p.backend),
      }));
    out.spec = spec;
  }
  return out;
}

/** spec and status of a networking.k8s.io/v1 Ingress in extensions/v1beta1 shape (metadata untouched). */
export function ingressV1ToV1beta1(obj: Obj): Obj {
  const out: Obj = { ...obj };
  if (isObj(obj.spec)) {
    const { defaultBackend, ...rest } = obj.spec;
    const spec: Obj = {};
    if (defaultBackend !== undefined && defaultBackend !== null)
      spec.backend = backendToV1beta1(defaultBackend);
    Object.assign(spec, rest);
    if ("rules" in spec)
      spec.rules = mapRules(spec.rules, (p) => ({ ...p, backend: backendToV1beta1(p.backend) }));
    out.spec = spec;
  }
  return out;
}
