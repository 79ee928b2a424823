// The OpenAPI documents of the custom resources (apiextensions' openapi builder): each served
// version's schema as a kind with apiVersion, kind and metadata, and its list, named by the
// reversed group as upstream names them (com.example.stable.v1.CronTab), so that kubectl explain
// and client-side validation know them.
import type { GroupVersion } from "../../api/resources.ts";
import { OpenApiV3 } from "../openapi/documents.ts";
import { ref, SchemaRegistry, type Schema } from "../openapi/schema-registry.ts";
import type { ServedCustomResource } from "./custom-resources.ts";

const reversed = (group: string) => group.split(".").reverse().join(".");

export function customOpenApi(served: ServedCustomResource[], groupVersions: GroupVersion[]): OpenApiV3 {
  const reg = SchemaRegistry.installed();
  const objectMeta = reg.ensure("meta/v1", "ObjectMeta");
  const listMeta = reg.ensure("meta/v1", "ListMeta");
  const named = new Map<string, string>();
  for (const s of served)
    for (const v of s.versions) {
      const { group, kind } = s.info;
      const name = `${reversed(group)}.${v.name}.${kind}`;
      const gvk = [{ group, kind, version: v.name }];
      const schema = (v.schema?.openAPIV3Schema ?? { type: "object" }) as Schema & {
        properties?: Record<string, Schema>;
      };
      const typeMeta = {
        apiVersion: {
          description:
            "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
          type: "string",
        },
        kind: {
          description:
            "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
          type: "string",
        },
      };
      reg.define(
        name,
        {
          ...schema,
          type: "object",
          properties: {
            ...typeMeta,
            metadata: {
              description:
                "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
              allOf: [ref(objectMeta)],
            },
            ...(schema.properties ?? {}),
          },
          "x-kubernetes-group-version-kind": gvk,
        },
        [objectMeta],
      );
      reg.define(
        `${name}List`,
        {
          description: `${kind}List is a list of ${kind}`,
          type: "object",
          required: ["items"],
          properties: {
            ...typeMeta,
            items: {
              description: `List of ${s.info.resource}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`,
              type: "array",
              items: ref(name),
            },
            metadata: {
              description:
                "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
              allOf: [ref(listMeta)],
            },
          },
          "x-kubernetes-group-version-kind": [{ group, kind: `${kind}List`, version: v.name }],
        },
        [name, listMeta],
      );
      named.set(`${group}/${v.name}/${kind}`, name);
      named.set(`${group}/${v.name}/${kind}List`, `${name}List`);
    }
  return new OpenApiV3(reg, groupVersions, named);
}
