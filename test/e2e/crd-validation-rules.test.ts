// x-kubernetes-validations (CEL) on a CRD with the real kubectl: rules at their node, messages,
// messageExpression and reason, a transition rule on oldSelf, and a rule that does not compile;
// and selectableFields in field selectors.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Kubectl } from "../support/kubectl.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { eventually } from "../support/wait.ts";

let server: RunningServer;
let k: Kubectl;

const crd = (
  name = "widgets",
  kind = "Widget",
  rule = "self.minReplicas <= self.replicas",
) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ${name}.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: ${name}, singular: ${name.slice(0, -1)}, kind: ${kind}}
  versions:
  - name: v1
    served: true
    storage: true
    selectableFields:
    - jsonPath: .spec.name
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations:
            - rule: "${rule}"
              message: "replicas should be greater than or equal to minReplicas"
            - rule: "self.replicas <= self.maxReplicas"
              messageExpression: "'replicas ' + string(self.replicas) + ' is over ' + string(self.maxReplicas)"
              reason: FieldValueForbidden
            properties:
              replicas: {type: integer}
              minReplicas: {type: integer}
              maxReplicas: {type: integer}
              name:
                type: string
                x-kubernetes-validations:
                - {rule: "self == oldSelf", message: "name is immutable"}
                - {rule: "self.startsWith('w')"}
`;

const widget = (spec: string) =>
  `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: a}\nspec: ${spec}\n`;

before(async () => {
  server = await startServer();
  k = new Kubectl(server.kubeconfig);
  await k.ok(["apply", "-f", "-"], { input: crd() });
  await eventually("widgets served", async () =>
    (await k.run(["get", "widgets"])).code === 0 ? true : undefined,
  );
});

after(async () => {
  await server?.stop();
});

test("objects breaking the rules are refused with each rule's message and reason", async () => {
  const r = await k.run(["apply", "-f", "-"], {
    input: widget("{replicas: 1, minReplicas: 2, maxReplicas: 3, name: x}"),
  });
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    /spec: Invalid value: "object": replicas should be greater than or equal to minReplicas/,
  );
  assert.match(r.stderr, /spec\.name: Invalid value: "string": failed rule: self\.startsWith\('w'\)/);
  const over = await k.run(["apply", "-f", "-"], {
    input: widget("{replicas: 5, minReplicas: 2, maxReplicas: 3, name: wa}"),
  });
  assert.match(over.stderr, /The Widget "a" is invalid: spec: Forbidden: replicas 5 is over 3/);
  assert.equal((await k.run(["get", "widget", "a"])).code, 1, "nothing was stored");
});

test("a transition rule holds a field once set", async () => {
  await k.ok(["apply", "-f", "-"], {
    input: widget("{replicas: 2, minReplicas: 2, maxReplicas: 3, name: wa}"),
  });
  const r = await k.run(["patch", "widget", "a", "--type=merge", "-p", '{"spec":{"name":"wb"}}']);
  assert.match(r.stderr, /spec\.name: Invalid value: "string": name is immutable/);
  await k.ok(["patch", "widget", "a", "--type=merge", "-p", '{"spec":{"replicas":3}}']);
});

test("a CRD whose rule does not compile is refused", async () => {
  const r = await k.run(["apply", "-f", "-"], { input: crd("gadgets", "Gadget", "self.minReplicas <=") });
  assert.match(
    r.stderr,
    /spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\[spec\]\.x-kubernetes-validations\[0\]\.rule: Invalid value: apiextensions\.ValidationRule\{Rule:"self\.minReplicas <=".*compilation failed: ERROR: <input>:1:/,
  );
  const typo = await k.run(["apply", "-f", "-"], { input: crd("gadgets", "Gadget", "self.minReplica <= 1") });
  assert.match(typo.stderr, /compilation failed: ERROR: <input>:1:5: undefined field 'minReplica'/);
});

test("selectableFields serve field selectors on custom objects", async () => {
  await k.ok(["apply", "-f", "-"], {
    input: widget("{replicas: 2, minReplicas: 2, maxReplicas: 3, name: wz}").replace("name: a}", "name: b}"),
  });
  const names = await k.ok(["get", "widgets", "--field-selector", "spec.name=wz", "-o", "name"]);
  assert.equal(names.trim(), "widget.example.com/b");
  const not = await k.ok(["get", "widgets", "--field-selector", "spec.name!=wz", "-o", "name"]);
  assert.equal(not.trim(), "widget.example.com/a");
  const bad = await k.run(["get", "widgets", "--field-selector", "spec.replicas=2"]);
  assert.match(bad.stderr, /field label not supported: spec\.replicas/);
  const badCrd = await k.run(["apply", "-f", "-"], {
    input: crd("things", "Thing").replace("- jsonPath: .spec.name", "- jsonPath: .spec.nope"),
  });
  assert.match(
    badCrd.stderr,
    /spec\.versions\[0\]\.selectableFields\[0\]\.jsonPath: Invalid value: "\.spec\.nope"/,
  );
});

test("rules use Kubernetes' CEL libraries: quantity, cidr, url, lists and regex", async () => {
  const libCrd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: pools.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: pools, singular: pool, kind: Pool}
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
            x-kubernetes-validations:
            - {rule: "quantity(self.memory).isLessThan(quantity('1Gi'))", message: "memory must stay under 1Gi"}
            - {rule: "cidr(self.network).containsIP(self.gateway)", message: "the gateway must be in the network"}
            - {rule: "url(self.endpoint).getScheme() == 'https'", message: "the endpoint must be https"}
            - {rule: "self.ports.isSorted()", message: "ports must be sorted"}
            - {rule: "self.image.find('[0-9]+$') != ''", message: "the image needs a numeric tag"}
            properties:
              memory: {type: string}
              network: {type: string}
              gateway: {type: string}
              endpoint: {type: string}
              image: {type: string}
              ports: {type: array, items: {type: integer}}
`;
  await k.ok(["apply", "-f", "-"], { input: libCrd });
  await eventually("pools served", async () =>
    (await k.run(["get", "pools"])).code === 0 ? true : undefined,
  );
  const pool = (spec: string) =>
    `apiVersion: example.com/v1\nkind: Pool\nmetadata: {name: p}\nspec: ${spec}\n`;
  const good =
    "{memory: 512Mi, network: 10.8.0.0/16, gateway: 10.8.0.1, endpoint: 'https://pool.example.com', image: 'app:12', ports: [80, 443]}";
  await k.ok(["apply", "-f", "-"], { input: pool(good) });
  const bad = await k.run(["apply", "-f", "-"], {
    input: pool(
      "{memory: 2Gi, network: 10.8.0.0/16, gateway: 10.9.0.1, endpoint: 'http://pool.example.com', image: 'app:latest', ports: [443, 80]}",
    ),
  });
  assert.notEqual(bad.code, 0);
  for (const m of [
    "memory must stay under 1Gi",
    "the gateway must be in the network",
    "the endpoint must be https",
    "ports must be sorted",
    "the image needs a numeric tag",
  ])
    assert.match(bad.stderr, new RegExp(`spec: Invalid value: "object": ${m}`));
  assert.equal(await k.ok(["get", "pool", "p", "-o", "jsonpath={.spec.memory}"]), "512Mi");
});

test("rules are type-checked and priced against their schema when the CRD is written", async () => {
  const mistyped = await k.run(["apply", "-f", "-"], {
    input: crd("gadgets", "Gadget", "self.minReplicas == 'two'"),
  });
  assert.match(
    mistyped.stderr,
    /compilation failed: ERROR: <input>:1:18: found no matching overload for '_==_' applied to '\(int, string\)'/,
  );
  const notBool = await k.run(["apply", "-f", "-"], {
    input: crd("gadgets", "Gadget", "self.minReplicas + 1"),
  });
  assert.match(
    notBool.stderr,
    /x-kubernetes-validations\[0\]\.rule: Invalid value: .*cel expression must evaluate to a bool/,
  );
  const tags = (listBounds: string, itemBounds: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: tagsets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: tagsets, singular: tagset, kind: TagSet}
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
              deadline: {type: string, format: date-time}
              tags:
                type: array${listBounds}
                items:
                  type: string${itemBounds}
                  x-kubernetes-validations:
                  - {rule: "self.matches('^[a-z]+$')", message: "tags are lowercase words"}
            x-kubernetes-validations:
            - {rule: "self.deadline < timestamp('2030-01-01T00:00:00Z')", message: "the deadline is before 2030"}
`;
  for (const kubectl of [k, new Kubectl(server.kubeconfig, 27), new Kubectl(server.kubeconfig, 33)]) {
    const costly = await kubectl.run(["apply", "-f", "-"], { input: tags("", "") });
    assert.notEqual(costly.code, 0);
    assert.match(
      costly.stderr,
      /properties\[tags\]\.items\.x-kubernetes-validations\[0\]\.rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x \(try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared\)/,
    );
  }
  // Items of an atomic list have no old value to compare with.
  const transition = await k.run(["apply", "-f", "-"], {
    input: tags("\n                maxItems: 50", "\n                  maxLength: 63").replace(
      "- {rule: \"self.matches('^[a-z]+$')\"",
      '- {rule: "self == oldSelf"',
    ),
  });
  assert.match(
    transition.stderr,
    /properties\[tags\]\.items\.x-kubernetes-validations\[0\]\.rule: Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the schema within spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\[spec\]\.properties\[tags\]/,
  );
  assert.equal((await k.run(["get", "crd", "tagsets.example.com"])).code, 1, "the CRD was not stored");
  await k.ok(["apply", "-f", "-"], {
    input: tags("\n                maxItems: 50", "\n                  maxLength: 63"),
  });
  await eventually("tagsets served", async () =>
    (await k.run(["get", "tagsets"])).code === 0 ? true : undefined,
  );
  const set = (spec: string) =>
    `apiVersion: example.com/v1\nkind: TagSet\nmetadata: {name: t}\nspec: ${spec}\n`;
  await k.ok(["apply", "-f", "-"], { input: set("{deadline: '2029-06-01T00:00:00Z', tags: [web, db]}") });
  const bad = await k.run(["apply", "-f", "-"], {
    input: set("{deadline: '2031-01-01T00:00:00Z', tags: [Web]}"),
  });
  assert.match(bad.stderr, /spec: Invalid value: "object": the deadline is before 2030/);
  assert.match(bad.stderr, /spec\.tags\[0\]: Invalid value: "string": tags are lowercase words/);
});

test("optional values: optionalOldSelf rules run on create, and `.?` reads absent fields as none", async () => {
  const tierCrd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: tiers.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: tiers, singular: tier, kind: Tier}
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
            x-kubernetes-validations:
            - rule: "oldSelf.hasValue() || self.level < 3"
              message: "a new tier starts below level 3"
              optionalOldSelf: true
            - rule: "!oldSelf.hasValue() || self.level >= oldSelf.value().level"
              message: "the level may only rise"
              optionalOldSelf: true
            - rule: "self.?limit.orValue(10) <= 10"
              message: "the limit is at most 10"
            - rule: "!format.dns1123Label().validate(self.?host.orValue('a')).hasValue()"
              messageExpression: "'host: ' + format.dns1123Label().validate(self.host).value().join(', ')"
            properties:
              level: {type: integer}
              limit: {type: integer}
              host: {type: string}
`;
  // The oldest and newest kubectl: one writes the CRD, the other the objects.
  await new Kubectl(server.kubeconfig, 27).ok(["apply", "-f", "-"], { input: tierCrd });
  await eventually("tiers served", async () =>
    (await k.run(["get", "tiers"])).code === 0 ? true : undefined,
  );
  const tier = (spec: string) =>
    `apiVersion: example.com/v1\nkind: Tier\nmetadata: {name: t}\nspec: ${spec}\n`;
  const k33 = new Kubectl(server.kubeconfig, 33);
  const high = await k33.run(["apply", "-f", "-"], { input: tier("{level: 5}") });
  assert.notEqual(high.code, 0);
  assert.match(high.stderr, /spec: Invalid value: "object": a new tier starts below level 3/);
  await k.ok(["apply", "-f", "-"], { input: tier("{level: 1}") });
  await k.ok(["apply", "-f", "-"], { input: tier("{level: 5}") });
  const lower = await k.run(["apply", "-f", "-"], { input: tier("{level: 4, limit: 11, host: a.b}") });
  assert.notEqual(lower.code, 0);
  assert.match(lower.stderr, /spec: Invalid value: "object": the level may only rise/);
  assert.match(lower.stderr, /spec: Invalid value: "object": the limit is at most 10/);
  assert.match(lower.stderr, /spec: Invalid value: "object": host: must not contain dots/);
  assert.equal(await k.ok(["get", "tier", "t", "-o", "jsonpath={.spec.level}"]), "5");

  // A rule treating the optional oldSelf as the object is refused when the CRD is written.
  const misuse = await k.run(["apply", "-f", "-"], {
    input: tierCrd
      .replace("tiers.example.com", "badtiers.example.com")
      .replace(
        "{plural: tiers, singular: tier, kind: Tier}",
        "{plural: badtiers, singular: badtier, kind: BadTier}",
      )
      .replace("oldSelf.hasValue() || self.level < 3", "self.level >= oldSelf.level"),
  });
  assert.notEqual(misuse.code, 0);
  assert.match(
    misuse.stderr,
    /found no matching overload for '_>=_' applied to '\(int, optional_type\(int\)\)'/,
  );
});
