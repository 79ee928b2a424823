// Schemas for the removed group-versions served for old manifests (Kubernetes in Action):
// apps/v1beta2 and batch/v1beta1 kept the v1 shape, extensions/v1beta1 Ingress did not.
import {
  INT_OR_STRING,
  ref,
  type Schema,
  type SchemaRegistry,
  moduleOf,
  packageOf,
} from "./schema-registry.ts";

const described = (description: string, s: Schema): Schema =>
  "$ref" in s ? { allOf: [s], description } : { description, ...s };

/** Registers `<package>.<kind>` and `<package>.<kind>List` for a legacy group-version; returns the kind's name. */
export function defineLegacyKind(
  reg: SchemaRegistry,
  group: string,
  version: string,
  kind: string,
  storageGroup: string,
): string {
  const pkg = packageOf(moduleOf(group, version));
  const name = `${pkg}.${kind}`;
  if (reg.get(name)) return name;
  const gvk = (k: string) => [{ group, kind: k, version }];
  if (group === "extensions" && kind === "Ingress") {
    defineExtensionsIngress(reg, pkg);
  } else {
    const v1 = reg.ensure(moduleOf(storageGroup, "v1"), kind);
    reg.define(name, { ...reg.get(v1), "x-kubernetes-group-version-kind": gvk(kind) }, reg.depsOf(v1));
  }
  const v1List = reg.ensure(moduleOf(storageGroup, "v1"), `${kind}List`);
  const list = reg.get(v1List)!;
  const props = list.properties as Record<string, Schema>;
  reg.define(
    `${name}List`,
    {
      ...list,
      properties: { ...props, items: { ...props.items, items: ref(name) } },
      "x-kubernetes-group-version-kind": gvk(`${kind}List`),
    },
    [...reg.depsOf(v1List), name],
  );
  return name;
}

function defineExtensionsIngress(reg: SchemaRegistry, pkg: string): void {
  const v1Ingress = reg.ensure("networking/v1", "Ingress");
  const v1Props = reg.get(v1Ingress)!.properties as Record<string, Schema>;
  const objectMeta = reg.ensure("meta/v1", "ObjectMeta");
  const status = reg.ensure("networking/v1", "IngressStatus");
  const tls = reg.ensure("networking/v1", "IngressTLS");
  const typedRef = reg.ensure("core/v1", "TypedLocalObjectReference");
  reg.ensure("core/v1", "ServicePort"); // registers IntOrString (targetPort)
  const n = (s: string) => `${pkg}.${s}`;

  reg.define(
    n("IngressBackend"),
    {
      description: "IngressBackend names the Service and port, or the resource, that traffic is sent to.",
      type: "object",
      properties: {
        resource: described(
          "A resource in the Ingress' namespace; not allowed together with serviceName.",
          ref(typedRef),
        ),
        serviceName: { description: "The name of the Service to send traffic to.", type: "string" },
        servicePort: described("The port of the Service, by number or by name.", ref(INT_OR_STRING)),
      },
    },
    [typedRef, INT_OR_STRING],
  );
  reg.define(
    n("HTTPIngressPath"),
    {
      description: "HTTPIngressPath sends requests whose path matches to a backend.",
      type: "object",
      properties: {
        backend: described("Where matching requests are sent.", ref(n("IngressBackend"))),
        path: {
          description: "The path matched against the request's path; must begin with '/'.",
          type: "string",
        },
        pathType: {
          description: "How the path is matched: Exact, Prefix or ImplementationSpecific.",
          type: "string",
        },
      },
      required: ["backend"],
    },
    [n("IngressBackend")],
  );
  reg.define(
    n("HTTPIngressRuleValue"),
    {
      description: "HTTPIngressRuleValue is a list of paths, each sent to a backend.",
      type: "object",
      properties: {
        paths: {
          description: "The paths, each with its backend.",
          type: "array",
          items: ref(n("HTTPIngressPath")),
          "x-kubernetes-list-type": "atomic",
        },
      },
      required: ["paths"],
    },
    [n("HTTPIngressPath")],
  );
  reg.define(
    n("IngressRule"),
    {
      description: "IngressRule maps the paths of one host (or of every host) to backends.",
      type: "object",
      properties: {
        host: {
          description:
            "The fully qualified domain name matched against the request's Host; all hosts when empty.",
          type: "string",
        },
        http: described("The paths of this host.", ref(n("HTTPIngressRuleValue"))),
      },
    },
    [n("HTTPIngressRuleValue")],
  );
  reg.define(
    n("IngressSpec"),
    {
      description: "IngressSpec describes the rules of the Ingress.",
      type: "object",
      properties: {
        backend: described("The backend for requests that match no rule.", ref(n("IngressBackend"))),
        ingressClassName: {
          description: "The name of the IngressClass that implements this Ingress.",
          type: "string",
        },
        rules: {
          description: "Host rules; requests matching none go to the default backend.",
          type: "array",
          items: ref(n("IngressRule")),
          "x-kubernetes-list-type": "atomic",
        },
        tls: {
          description: "TLS configuration.",
          type: "array",
          items: ref(tls),
          "x-kubernetes-list-type": "atomic",
        },
      },
    },
    [n("IngressBackend"), n("IngressRule"), tls],
  );
  reg.define(
    n("Ingress"),
    {
      description:
        "Ingress exposes Services over HTTP and HTTPS through host and path rules. Deprecated: use networking.k8s.io/v1 Ingress.",
      type: "object",
      properties: {
        apiVersion: v1Props.apiVersion,
        kind: v1Props.kind,
        metadata: v1Props.metadata,
        spec: described("The desired state of the Ingress.", ref(n("IngressSpec"))),
        status: described("The current state of the Ingress.", ref(status)),
      },
      "x-kubernetes-group-version-kind": [{ group: "extensions", kind: "Ingress", version: "v1beta1" }],
    },
    [objectMeta, n("IngressSpec"), status],
  );
}
