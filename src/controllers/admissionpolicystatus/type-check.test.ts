import assert from "node:assert/strict";
import { test } from "node:test";
import type { ApiClient } from "../../client/interface.ts";
import { SchemaResolver } from "./schemas.ts";
import { typeCheckPolicy } from "./type-check.ts";

// Discovery and one OpenAPI v3 document, as the API serves them, with a recursive type.
const served: Record<string, unknown> = {
  "/apis/example.com/v1": {
    resources: [
      { name: "trees", kind: "Tree" },
      { name: "trees/status", kind: "Tree" },
    ],
  },
  "/openapi/v3/apis/example.com/v1": {
    components: {
      schemas: {
        "com.example.v1.Tree": {
          type: "object",
          "x-kubernetes-group-version-kind": [{ group: "example.com", version: "v1", kind: "Tree" }],
          properties: {
            spec: { allOf: [{ $ref: "#/components/schemas/com.example.v1.Node" }] },
            metadata: { $ref: "#/components/schemas/meta.ObjectMeta" },
          },
        },
        "com.example.v1.Node": {
          type: "object",
          properties: {
            height: { type: "integer" },
            children: { type: "array", items: { $ref: "#/components/schemas/com.example.v1.Node" } },
          },
        },
        "meta.ObjectMeta": { type: "object", properties: { name: { type: "string" } } },
      },
    },
  },
};

const client = {
  request: (_method: string, path: string) =>
    path in served ? Promise.resolve(served[path]) : Promise.reject(new Error("404")),
} as unknown as ApiClient;

const policy = (
  expressions: string[],
  rules = [{ apiGroups: ["example.com"], apiVersions: ["v1"], resources: ["trees"] }],
) => ({
  metadata: { name: "p" },
  spec: {
    matchConstraints: { resourceRules: rules },
    validations: expressions.map((expression) => ({ expression })),
  },
});

test("a policy's expressions are checked against the matched kind's schema, refs inlined", async () => {
  const warnings = await typeCheckPolicy(
    policy([
      "object.spec.height > 1 && object.metadata.name != ''",
      "object.spec.heigth > 1",
      // Recursion is cut off as an open object, where any field is allowed.
      "object.spec.children.all(c, c.children.all(g, g.anything > 0))",
    ]),
    new SchemaResolver(client),
  );
  assert.deepEqual(warnings, [
    {
      fieldRef: "spec.validations[1].expression",
      warning:
        "example.com/v1, Kind=Tree: ERROR: <input>:1:12: undefined field 'heigth'\n | object.spec.heigth > 1\n | ...........^",
    },
  ]);
});

test("wildcards, subresources and resources the API does not serve are not checked", async () => {
  const rules = [
    { apiGroups: ["*"], apiVersions: ["v1"], resources: ["trees"] },
    { apiGroups: ["example.com"], apiVersions: ["v1"], resources: ["trees/status"] },
    { apiGroups: ["example.com"], apiVersions: ["v1"], resources: ["bushes"] },
  ];
  assert.deepEqual(await typeCheckPolicy(policy(["object.nope"], rules), new SchemaResolver(client)), []);
});
