// CustomResourceDefinitions with the real kubectl: the documentation's CronTab definition is
// served within a second, its objects pruned, defaulted and validated against the schema with
// upstream's messages, printed with the additionalPrinterColumns, written apart from their status,
// and deleted with the definition.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { startServer, type RunningServer } from "../support/server.ts";
import { Kubectl } from "../support/kubectl.ts";
import { eventually } from "../support/wait.ts";

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names:
    plural: crontabs
    singular: crontab
    kind: CronTab
    shortNames: [ct]
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
        labelSelectorPath: .status.labelSelector
    additionalPrinterColumns:
    - name: Spec
      type: string
      jsonPath: .spec.cronSpec
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [image]
            properties:
              cronSpec:
                type: string
                pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'
              image:
                type: string
              replicas:
                type: integer
                minimum: 1
                maximum: 10
                default: 1
          status:
            type: object
            properties:
              lastScheduleTime:
                type: string
              replicas:
                type: integer
              labelSelector:
                type: string
  - name: v1beta1
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`;

const CRONTAB = `apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: my-new-cron-object
  labels: {team: a}
spec:
  cronSpec: "* * * * */5"
  image: my-awesome-cron-image
  someRandomField: 42
`;

describe("custom resources", () => {
  let server: RunningServer;
  let k: Kubectl;

  before(async () => {
    server = await startServer();
    k = new Kubectl(server.kubeconfig);
  });

  after(async () => {
    await server?.stop();
  });

  it("a definition is Established and its resource served within a second of its creation", async () => {
    const started = Date.now();
    await k.ok(["apply", "-f", "-"], { input: CRD });
    await eventually(
      "crontabs in discovery",
      async () => ((await k.run(["get", "crontabs"])).code === 0 ? true : undefined),
      5_000,
    );
    assert.ok(Date.now() - started < 1_000 + 500, `served after ${Date.now() - started} ms`);
    const crd = JSON.parse(await k.ok(["get", "crd", "crontabs.stable.example.com", "-o", "json"])) as {
      metadata: { finalizers: string[] };
      status: {
        conditions: Array<{ type: string; status: string; reason: string }>;
        acceptedNames: object;
        storedVersions: string[];
      };
    };
    assert.deepEqual(
      crd.status.conditions.map((c) => [c.type, c.status, c.reason]),
      [
        ["NamesAccepted", "True", "NoConflicts"],
        ["Established", "True", "InitialNamesAccepted"],
      ],
    );
    assert.deepEqual(crd.status.acceptedNames, {
      plural: "crontabs",
      singular: "crontab",
      shortNames: ["ct"],
      kind: "CronTab",
      listKind: "CronTabList",
    });
    assert.deepEqual(crd.status.storedVersions, ["v1"]);
    assert.deepEqual(crd.metadata.finalizers, ["customresourcecleanup.apiextensions.k8s.io"]);
    assert.match(
      await k.ok(["get", "crd"]),
      /^NAME\s+CREATED AT\ncrontabs\.stable\.example\.com\s+\d{4}-\d\d-\d\dT/,
    );
    assert.match(
      await k.ok(["api-resources", "--api-group=stable.example.com"]),
      /crontabs\s+ct\s+stable\.example\.com\/v1\s+true\s+CronTab/,
    );
  });

  it("objects are pruned and defaulted, and printed with the definition's columns", async () => {
    // kubectl asks for strict field validation: the unknown field is refused, as upstream does.
    const strict = await k.run(["apply", "-f", "-"], { input: CRONTAB });
    assert.equal(
      strict.stderr.trim(),
      'Error from server (BadRequest): error when creating "STDIN": CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: unknown field "spec.someRandomField"',
    );
    // Without it (the documentation's --validate=false), the field is pruned.
    await k.ok(["apply", "--validate=false", "-f", "-"], { input: CRONTAB });
    const obj = JSON.parse(await k.ok(["get", "ct", "my-new-cron-object", "-o", "json"])) as {
      spec: Record<string, unknown>;
      metadata: { generation: number };
    };
    assert.deepEqual(obj.spec, { cronSpec: "* * * * */5", image: "my-awesome-cron-image", replicas: 1 });
    assert.equal(obj.metadata.generation, 1);
    assert.match(
      await k.ok(["get", "crontab"]),
      /^NAME\s+SPEC\s+REPLICAS\s+AGE\nmy-new-cron-object\s+\* \* \* \* \*\/5\s+1\s+\d+s\n$/,
    );
    await k.ok(["patch", "ct", "my-new-cron-object", "--type=merge", "-p", '{"spec":{"replicas":3}}']);
    assert.equal(
      await k.ok([
        "get",
        "ct",
        "my-new-cron-object",
        "-o",
        "jsonpath={.metadata.generation} {.spec.replicas}",
      ]),
      "2 3",
    );
    assert.equal(
      await k.ok(["get", "ct", "-l", "team=a", "-o", "name"]),
      "crontab.stable.example.com/my-new-cron-object\n",
    );
    // The other served version, converted with strategy None: the same object.
    assert.equal(
      await k.ok([
        "get",
        "crontabs.v1beta1.stable.example.com",
        "my-new-cron-object",
        "-o",
        "jsonpath={.apiVersion} {.spec.image}",
      ]),
      "stable.example.com/v1beta1 my-awesome-cron-image",
    );
  });

  it("a write is pruned, defaulted and validated with the schema of the version it names", async () => {
    const loose = `apiVersion: stable.example.com/v1beta1
kind: CronTab
metadata: {name: loose}
spec: {image: img, replicas: 50, extra: kept}
`;
    // v1beta1 keeps unknown fields and sets no maximum; v1 allows at most 10 replicas.
    await k.ok(["apply", "-f", "-"], { input: loose });
    assert.equal(
      await k.ok([
        "get",
        "crontabs.v1beta1.stable.example.com",
        "loose",
        "-o",
        "jsonpath={.spec.replicas} {.spec.extra}",
      ]),
      "50 kept",
    );
    // Its manager wrote with v1beta1, and managedFields say so although v1 stores it.
    assert.equal(
      await k.ok([
        "get",
        "crontabs.v1.stable.example.com",
        "loose",
        "--show-managed-fields",
        "-o",
        "jsonpath={.metadata.managedFields[*].manager} {.metadata.managedFields[*].apiVersion}",
      ]),
      "kubectl-client-side-apply stable.example.com/v1beta1",
    );
    const strict = await k.run(["apply", "-f", "-"], {
      input: loose
        .replace("v1beta1", "v1")
        .replace("name: loose", "name: strict")
        .replace(", extra: kept", ""),
    });
    assert.match(
      strict.stderr,
      /spec\.replicas: Invalid value: 50: spec\.replicas in body should be less than or equal to 10/,
    );
    await k.ok(["delete", "crontabs.v1beta1.stable.example.com", "loose"]);
  });

  it("an object that breaks the schema gets upstream's 422, and nothing is stored", async () => {
    const r = await k.run(["apply", "-f", "-"], {
      input: `apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: bad
spec:
  cronSpec: "xyz"
  replicas: 15
`,
    });
    assert.notEqual(r.code, 0);
    assert.equal(
      r.stderr.trim(),
      `The CronTab "bad" is invalid: \n* spec.image: Required value\n* spec.cronSpec: Invalid value: "xyz": spec.cronSpec in body should match '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'\n* spec.replicas: Invalid value: 15: spec.replicas in body should be less than or equal to 10`,
    );
    assert.notEqual((await k.run(["get", "ct", "bad"])).code, 0);
  });

  it("status is written only through the status subresource", async () => {
    await k.ok([
      "patch",
      "ct",
      "my-new-cron-object",
      "--type=merge",
      "-p",
      '{"status":{"lastScheduleTime":"x"}}',
    ]);
    assert.equal(await k.ok(["get", "ct", "my-new-cron-object", "-o", "jsonpath={.status}"]), "");
    await k.ok([
      "patch",
      "ct",
      "my-new-cron-object",
      "--subresource=status",
      "--type=merge",
      "-p",
      '{"status":{"lastScheduleTime":"now"}}',
    ]);
    assert.equal(
      await k.ok(["get", "ct", "my-new-cron-object", "-o", "jsonpath={.status.lastScheduleTime}"]),
      "now",
    );
  });

  it("kubectl scale works on them through the scale subresource", async () => {
    await k.ok([
      "patch",
      "ct",
      "my-new-cron-object",
      "--subresource=status",
      "--type=merge",
      "-p",
      '{"status":{"replicas":3,"labelSelector":"team=a"}}',
    ]);
    assert.equal(
      await k.ok(["scale", "crontab", "my-new-cron-object", "--replicas=5"]),
      "crontab.stable.example.com/my-new-cron-object scaled\n",
    );
    assert.equal(await k.ok(["get", "ct", "my-new-cron-object", "-o", "jsonpath={.spec.replicas}"]), "5");
    const scale = JSON.parse(
      await k.ok([
        "get",
        "--raw",
        "/apis/stable.example.com/v1/namespaces/default/crontabs/my-new-cron-object/scale",
      ]),
    ) as { kind: string; spec: unknown; status: unknown };
    assert.equal(scale.kind, "Scale");
    assert.deepEqual(scale.spec, { replicas: 5 });
    assert.deepEqual(scale.status, { replicas: 3, selector: "team=a" });
    // The schema still holds through the subresource.
    const over = await k.run(["scale", "crontab", "my-new-cron-object", "--replicas=50"]);
    assert.match(over.stderr, /spec\.replicas in body should be less than or equal to 10/);
    await k.ok(["scale", "crontab", "my-new-cron-object", "--replicas=3"]);
  });

  it("@kubernetes/client-node's CustomObjectsApi lists and watches them", async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(server.kubeconfig);
    const api = kc.makeApiClient(k8s.CustomObjectsApi);
    const seen: string[] = [];
    const watch = await new k8s.Watch(kc).watch(
      "/apis/stable.example.com/v1/namespaces/default/crontabs",
      {},
      (type: string, obj: { metadata: { name: string } }) => seen.push(`${type} ${obj.metadata.name}`),
      () => undefined,
    );
    await api.createNamespacedCustomObject({
      group: "stable.example.com",
      version: "v1",
      namespace: "default",
      plural: "crontabs",
      body: {
        apiVersion: "stable.example.com/v1",
        kind: "CronTab",
        metadata: { name: "from-js" },
        spec: { image: "x" },
      },
    });
    const list = (await api.listNamespacedCustomObject({
      group: "stable.example.com",
      version: "v1",
      namespace: "default",
      plural: "crontabs",
    })) as { items: Array<{ metadata: { name: string }; spec: { replicas: number } }> };
    assert.deepEqual(
      list.items.map((i) => [i.metadata.name, i.spec.replicas]),
      [
        ["from-js", 1],
        ["my-new-cron-object", 3],
      ],
    );
    await eventually("the watch event", async () => (seen.includes("ADDED from-js") ? true : undefined));
    watch.abort();
  });

  it("bad definitions get upstream's 422; a clashing kind is not accepted", async () => {
    const bad = await k.run(["apply", "-f", "-"], {
      input: CRD.replace("name: crontabs.stable.example.com", "name: wrong.stable.example.com"),
    });
    assert.match(
      bad.stderr,
      /metadata\.name: Invalid value: "wrong\.stable\.example\.com": must be spec\.names\.plural\+"\."\+spec\.group/,
    );
    const nonStructural = await k.run(["apply", "-f", "-"], {
      input: CRD.replace("              image:\n                type: string\n", "              image: {}\n"),
    });
    assert.match(
      nonStructural.stderr,
      /spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\[spec\]\.properties\[image\]\.type: Required value: must not be empty for specified object fields/,
    );
    await k.ok(["apply", "-f", "-"], {
      input: CRD.replaceAll("crontabs", "crontabs2")
        .replace("shortNames: [ct]", "shortNames: [ct2]")
        .replace("singular: crontab", "singular: crontab2"),
    });
    const cond = await eventually("NamesAccepted False", async () => {
      const out = await k.ok([
        "get",
        "crd",
        "crontabs2.stable.example.com",
        "-o",
        "jsonpath={.status.conditions[?(@.type=='NamesAccepted')].status} {.status.conditions[?(@.type=='NamesAccepted')].message}",
      ]);
      return out.startsWith("False") ? out : undefined;
    });
    assert.equal(cond, 'False "CronTab" is already in use');
  });

  it("an object a custom object owns is garbage-collected with it; a namespace's deletion takes its custom objects", async () => {
    const uid = await k.ok(["get", "ct", "from-js", "-o", "jsonpath={.metadata.uid}"]);
    await k.ok(["create", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: "owned",
          ownerReferences: [{ apiVersion: "stable.example.com/v1", kind: "CronTab", name: "from-js", uid }],
        },
      }),
    });
    await k.ok(["delete", "ct", "from-js"]);
    await eventually("the owned config map collected", async () =>
      (await k.run(["get", "cm", "owned"])).code !== 0 ? true : undefined,
    );
    await k.ok(["create", "namespace", "scratch"]);
    await k.ok(["apply", "-n", "scratch", "--validate=false", "-f", "-"], { input: CRONTAB });
    await k.ok(["delete", "namespace", "scratch", "--timeout=30s"]);
    assert.equal(
      await k.ok(["get", "ct", "-A", "-o", "name"]),
      "crontab.stable.example.com/my-new-cron-object\n",
    );
  });

  it("kubectl explain describes them from the published OpenAPI, with kubectl 1.27 (v2) and 1.33 (v3)", async () => {
    for (const minor of [27, 33]) {
      const out = await new Kubectl(server.kubeconfig, minor).ok(["explain", "crontab.spec.replicas"]);
      assert.match(out, /KIND:\s+CronTab\n/);
      assert.match(out, /VERSION:\s+v1\n/);
      assert.match(out, /FIELD:\s+replicas\s+<integer>/);
    }
  });

  it("server-side apply merges lists by their x-kubernetes-list-type markers and reports conflicts per item", async () => {
    await k.ok(["apply", "-f", "-"], {
      input: `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: routers.net.example.com}
spec:
  group: net.example.com
  scope: Namespaced
  names: {plural: routers, singular: router, kind: Router}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              ports:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name]
                items:
                  type: object
                  required: [name]
                  properties: {name: {type: string}, port: {type: integer}}
              tags: {type: array, x-kubernetes-list-type: set, items: {type: string}}
              hosts: {type: array, items: {type: string}}
              selector:
                type: object
                x-kubernetes-map-type: atomic
                additionalProperties: {type: string}
`,
    });
    await eventuallyServed(k, "routers");
    const router = (spec: string) =>
      `apiVersion: net.example.com/v1\nkind: Router\nmetadata: {name: r}\nspec: ${spec}\n`;
    const ssa = (manager: string, spec: string, extra: string[] = []) =>
      k.run(["apply", "--server-side", `--field-manager=${manager}`, ...extra, "-f", "-"], {
        input: router(spec),
      });
    assert.equal((await ssa("a", "{ports: [{name: http, port: 80}], tags: [red], hosts: [one]}")).code, 0);
    const b = await ssa("b", "{ports: [{name: https, port: 443}], tags: [green]}");
    assert.equal(b.code, 0, b.stderr);
    assert.equal(
      await k.ok(["get", "router", "r", "-o", "jsonpath={.spec.ports[*].name} {.spec.tags} {.spec.hosts}"]),
      'http https ["red","green"] ["one"]',
    );
    const clash = await ssa(
      "b",
      "{ports: [{name: http, port: 8080}, {name: https, port: 443}], tags: [green]}",
    );
    assert.notEqual(clash.code, 0);
    assert.match(
      clash.stderr,
      /Apply failed with 1 conflict: conflict with "a": \.spec\.ports\[name="http"\]\.port/,
    );
    // An atomic list (no marker) is owned whole: another manager's list conflicts as one field.
    const hosts = await ssa("b", "{ports: [{name: https, port: 443}], tags: [green], hosts: [two]}");
    assert.match(hosts.stderr, /conflict with "a": \.spec\.hosts/);
  });

  it("an update keeps values a tightened schema no longer allows, if it does not change them (ratcheting)", async () => {
    const gauges = (max: number) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gauges.net.example.com}
spec:
  group: net.example.com
  scope: Namespaced
  names: {plural: gauges, singular: gauge, kind: Gauge}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              label: {type: string, maxLength: ${max}}
              note: {type: string}
`;
    await k.ok(["apply", "-f", "-"], { input: gauges(20) });
    await eventuallyServed(k, "gauges");
    await k.ok(["apply", "-f", "-"], {
      input:
        "apiVersion: net.example.com/v1\nkind: Gauge\nmetadata: {name: g}\nspec: {label: fifteen-chars-x}\n",
    });
    await k.ok(["apply", "-f", "-"], { input: gauges(5) });
    await new Promise((r) => setTimeout(r, 300));
    await k.ok(["patch", "gauge", "g", "--type=merge", "-p", '{"spec":{"note":"edited"}}']);
    const changed = await k.run([
      "patch",
      "gauge",
      "g",
      "--type=merge",
      "-p",
      '{"spec":{"label":"sixteen-chars-xx"}}',
    ]);
    assert.match(changed.stderr, /spec\.label: Too long: may not be (longer than|more than) 5/);
    assert.equal(
      await k.ok(["get", "gauge", "g", "-o", "jsonpath={.spec.label} {.spec.note}"]),
      "fifteen-chars-x edited",
    );
  });

  it("deleting the definition deletes its objects and stops serving it", async () => {
    await k.ok(["delete", "crd", "crontabs.stable.example.com"]);
    assert.match(
      (await k.run(["get", "crontabs"])).stderr,
      // kubectl names it from its discovery cache, or finds it gone: a 404 either way.
      /the server doesn't have a resource type "crontabs"|Unable to list "stable\.example\.com\/v1, Resource=crontabs": the server could not find the requested resource/,
    );
    await k.ok(["apply", "-f", "-"], { input: CRD });
    await eventually("served again", async () =>
      (await k.run(["get", "crontabs"])).code === 0 ? true : undefined,
    );
    assert.equal(await k.ok(["get", "crontabs", "-A", "-o", "name"]), "");
  });
});

async function eventuallyServed(k: Kubectl, resource: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await k.run(["get", resource])).code === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${resource} not served`);
}
