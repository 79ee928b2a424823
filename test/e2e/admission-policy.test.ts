// ValidatingAdmissionPolicy with the real kubectl: a CEL policy bound to a labelled namespace
// denies with upstream's error, a parameterized one reads its limit from a ConfigMap, Warn
// bindings warn, variables and messageExpression shape the message, and bad policies and
// bindings are refused when written.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Kubectl } from "../support/kubectl.ts";
import { eventually } from "../support/wait.ts";
import { startServer, type RunningServer } from "../support/server.ts";

let server: RunningServer;
let k: Kubectl;

const policy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: demo-policy.example.com}
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["deployments"]
  validations:
  - expression: "object.spec.replicas <= 5"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: demo-binding-test.example.com}
spec:
  policyName: demo-policy.example.com
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels: {environment: test}
`;

before(async () => {
  server = await startServer();
  k = new Kubectl(server.kubeconfig);
  await k.ok(["create", "namespace", "test"]);
  await k.ok(["label", "namespace", "test", "environment=test"]);
  await k.ok(["create", "namespace", "prod"]);
});

after(async () => {
  await server?.stop();
});

const settle = () => new Promise((r) => setTimeout(r, 300));

test("a policy bound to a namespace denies with upstream's error; others are unaffected", async () => {
  await k.ok(["apply", "-f", "-"], { input: policy });
  await settle();
  const r = await k.run(["create", "deployment", "nginx", "--image=nginx", "--replicas=6", "-n", "test"]);
  assert.notEqual(r.code, 0);
  assert.equal(
    r.stderr.trim(),
    "error: failed to create deployment: deployments.apps \"nginx\" is forbidden: ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com' denied request: failed expression: object.spec.replicas <= 5",
  );
  const applied = await k.run(["apply", "-n", "test", "-f", "-"], {
    input:
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: big}\nspec: {replicas: 7, selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: nginx}]}}}\n",
  });
  assert.match(
    applied.stderr,
    /The deployments "big" is invalid: : ValidatingAdmissionPolicy 'demo-policy\.example\.com' with binding 'demo-binding-test\.example\.com' denied request: failed expression: object\.spec\.replicas <= 5/,
  );
  await k.ok(["create", "deployment", "nginx", "--image=nginx", "--replicas=3", "-n", "test"]);
  // The rules name deployments, not deployments/scale: a scale write is not matched, as upstream.
  await k.ok(["scale", "deployment", "nginx", "--replicas=9", "-n", "test"]);
  const edit = await k.run(["patch", "deployment", "nginx", "-n", "test", "-p", '{"spec":{"replicas":8}}']);
  assert.match(edit.stderr, /denied request: failed expression: object\.spec\.replicas <= 5/);
  await k.ok(["create", "deployment", "nginx", "--image=nginx", "--replicas=6", "-n", "prod"]);
  const table = await k.ok(["get", "validatingadmissionpolicies"]);
  assert.match(table, /NAME\s+VALIDATIONS\s+PARAMKIND\s+AGE\ndemo-policy\.example\.com\s+1\s+<unset>\s+/);
  const bindings = await k.ok(["get", "validatingadmissionpolicybindings"]);
  assert.match(
    bindings,
    /NAME\s+POLICYNAME\s+PARAMREF\s+AGE\ndemo-binding-test\.example\.com\s+demo-policy\.example\.com\s+<unset>\s+/,
  );
});

test("a parameterized policy reads its limit from a ConfigMap; Warn bindings warn", async () => {
  await k.ok(["create", "configmap", "limits", "-n", "prod", "--from-literal=maxReplicas=2"]);
  await k.ok(["apply", "-f", "-"], {
    input: `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: max-replicas.example.com}
spec:
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules:
    - {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"]}
  variables:
  - {name: limit, expression: "int(params.data.maxReplicas)"}
  validations:
  - expression: "object.spec.replicas <= variables.limit"
    messageExpression: "'replicas ' + string(object.spec.replicas) + ' exceed the limit of ' + string(variables.limit)"
    reason: Forbidden
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: max-replicas-prod.example.com}
spec:
  policyName: max-replicas.example.com
  validationActions: [Deny]
  paramRef: {name: limits, namespace: prod}
  matchResources:
    namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: prod}}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: max-replicas-warn.example.com}
spec:
  policyName: max-replicas.example.com
  validationActions: [Warn]
  paramRef: {name: limits, namespace: prod}
  matchResources:
    namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: default}}
`,
  });
  await settle();
  const r = await k.run(["create", "deployment", "wide", "--image=nginx", "--replicas=3", "-n", "prod"]);
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    /deployments\.apps "wide" is forbidden: ValidatingAdmissionPolicy 'max-replicas\.example\.com' with binding 'max-replicas-prod\.example\.com' denied request: replicas 3 exceed the limit of 2/,
  );
  const warned = await k.run(["create", "deployment", "wide", "--image=nginx", "--replicas=3"]);
  assert.equal(warned.code, 0, warned.stderr);
  assert.match(
    warned.stderr,
    /Warning: Validation failed for ValidatingAdmissionPolicy 'max-replicas\.example\.com' with binding 'max-replicas-warn\.example\.com': replicas 3 exceed the limit of 2/,
  );
  // Without its parameter the Deny binding refuses (parameterNotFoundAction defaults to Deny).
  await k.ok(["delete", "configmap", "limits", "-n", "prod"]);
  const missing = await k.run([
    "create",
    "deployment",
    "small",
    "--image=nginx",
    "--replicas=1",
    "-n",
    "prod",
  ]);
  assert.match(
    missing.stderr,
    /denied request: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction/,
  );
});

test("a policy's parameters can be custom objects (paramKind of a CRD's kind)", async () => {
  await k.ok(["apply", "-f", "-"], {
    input: `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: replicalimits.example.com}
spec:
  group: example.com
  scope: Cluster
  names: {plural: replicalimits, singular: replicalimit, kind: ReplicaLimit}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          maxReplicas: {type: integer}
`,
  });
  await eventually("replicalimits served", async () =>
    (await k.run(["get", "replicalimits"])).code === 0 ? true : undefined,
  );
  await k.ok(["apply", "-f", "-"], {
    input: "apiVersion: example.com/v1\nkind: ReplicaLimit\nmetadata: {name: small}\nmaxReplicas: 1\n",
  });
  await k.ok(["apply", "-f", "-"], {
    input: `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: crd-limit.example.com}
spec:
  paramKind: {apiVersion: example.com/v1, kind: ReplicaLimit}
  matchConstraints:
    resourceRules:
    - {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"]}
  validations:
  - expression: "object.spec.replicas <= params.maxReplicas"
    messageExpression: "'at most ' + string(params.maxReplicas) + ' replicas'"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: crd-limit-test.example.com}
spec:
  policyName: crd-limit.example.com
  validationActions: [Deny]
  paramRef: {name: small, parameterNotFoundAction: Deny}
  matchResources:
    namespaceSelector: {matchLabels: {environment: test}}
`,
  });
  await settle();
  const r = await k.run(["create", "deployment", "pair", "--image=nginx", "--replicas=2", "-n", "test"]);
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    /ValidatingAdmissionPolicy 'crd-limit\.example\.com' with binding 'crd-limit-test\.example\.com' denied request: at most 1 replicas/,
  );
  await k.ok(["create", "deployment", "single", "--image=nginx", "--replicas=1", "-n", "test"]);
  await k.ok(["delete", "validatingadmissionpolicybinding", "crd-limit-test.example.com"]);
});

test("bad policies and bindings are refused with upstream's field errors", async () => {
  const bad = await k.run(["apply", "-f", "-"], {
    input: `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: broken.example.com}
spec:
  matchConstraints: {resourceRules: [{apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"]}]}
  validations:
  - expression: "object.spec.containers.all(c, c.image.startsWith("
`,
  });
  assert.notEqual(bad.code, 0);
  assert.match(
    bad.stderr,
    /The ValidatingAdmissionPolicy "broken\.example\.com" is invalid: spec\.validations\[0\]\.expression: Invalid value: "object\.spec\.containers\.all\(c, c\.image\.startsWith\(": compilation failed: ERROR: <input>:1:/,
  );
  // Expressions are checked, not only parsed: an undeclared variable, an undeclared policy
  // variable, and a validation that is not a bool.
  const unchecked = await k.run(["apply", "-f", "-"], {
    input: `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: unchecked.example.com}
spec:
  matchConstraints: {resourceRules: [{apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"]}]}
  variables:
  - {name: images, expression: "object.spec.containers.map(c, c.image)"}
  validations:
  - expression: "objct.spec.containers.size() < 5"
  - expression: "variables.imags.all(i, i != '')"
  - expression: "size(variables.images)"
`,
  });
  assert.notEqual(unchecked.code, 0);
  assert.match(
    unchecked.stderr,
    /spec\.validations\[0\]\.expression: Invalid value: "objct\.spec\.containers\.size\(\) < 5": compilation failed: ERROR: <input>:1:1: undeclared reference to 'objct' \(in container ''\)/,
  );
  assert.match(unchecked.stderr, /spec\.validations\[1\]\.expression: .*undefined field 'imags'/);
  assert.match(
    unchecked.stderr,
    /spec\.validations\[2\]\.expression: Invalid value: "size\(variables\.images\)": must evaluate to bool/,
  );
  const binding = await k.run(["apply", "-f", "-"], {
    input: `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: nothing.example.com}
spec: {policyName: demo-policy.example.com}
`,
  });
  assert.match(
    binding.stderr,
    /spec\.validationActions: Required value: at least one validation action is required/,
  );
});

test("a policy asks the authorizer about the request's user (authorizer.group(...).check)", async () => {
  await k.ok(["create", "namespace", "team"]);
  await k.ok([
    "create",
    "role",
    "cm-writer",
    "-n",
    "team",
    "--verb=create,get,list",
    "--resource=configmaps",
  ]);
  await k.ok(["create", "rolebinding", "jane-cm", "-n", "team", "--role=cm-writer", "--user=jane"]);
  await k.ok(["create", "rolebinding", "lead-cm", "-n", "team", "--role=cm-writer", "--user=lead"]);
  await k.ok(["create", "role", "secret-reader", "-n", "team", "--verb=list", "--resource=secrets"]);
  await k.ok(["create", "rolebinding", "lead-secrets", "-n", "team", "--role=secret-reader", "--user=lead"]);
  await k.ok(["apply", "-f", "-"], {
    input: `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: sensitive-configs.example.com}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["configmaps"]}
  validations:
  - expression: "!has(object.metadata.labels) || !('sensitive' in object.metadata.labels) || authorizer.group('').resource('secrets').namespace(object.metadata.namespace).check('list').allowed()"
    message: "only those who may list secrets may create sensitive config maps"
    reason: Forbidden
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: sensitive-configs-team.example.com}
spec:
  policyName: sensitive-configs.example.com
  validationActions: [Deny]
  matchResources:
    namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: team}}
`,
  });
  await settle();
  const cm = (name: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: team, labels: {sensitive: "yes"}}\n`;
  const jane = await k.run(["create", "--as=jane", "-f", "-"], { input: cm("by-jane") });
  assert.notEqual(jane.code, 0);
  assert.match(
    jane.stderr,
    /configmaps "by-jane" is forbidden: ValidatingAdmissionPolicy 'sensitive-configs\.example\.com' with binding 'sensitive-configs-team\.example\.com' denied request: only those who may list secrets may create sensitive config maps/,
  );
  await k.ok(["create", "--as=lead", "-f", "-"], { input: cm("by-lead") });
  await k.ok(["create", "--as=jane", "configmap", "plain", "-n", "team"]);
});

test("auditAnnotations: keys checked when written, values logged, a failing value fails the request", async () => {
  const bad = await k.run(["apply", "-f", "-"], {
    input: `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: audited.example.com}
spec:
  matchConstraints: {resourceRules: [{apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["configmaps"]}]}
  auditAnnotations:
  - {key: "bad key", valueExpression: "'x'"}
  - {key: "bad key", valueExpression: "'y'"}
  - {key: empty, valueExpression: "  "}
`,
  });
  assert.notEqual(bad.code, 0);
  assert.match(
    bad.stderr,
    /spec\.auditAnnotations\[0\]\.key: Invalid value: "audited\.example\.com\/bad key": name part must consist of alphanumeric characters/,
  );
  assert.match(bad.stderr, /spec\.auditAnnotations\[1\]\.key: Duplicate value: "bad key"/);
  assert.match(
    bad.stderr,
    /spec\.auditAnnotations\[2\]\.valueExpression: Required value: valueExpression is not specified/,
  );

  await k.ok(["apply", "-f", "-"], {
    input: `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: audited.example.com}
spec:
  failurePolicy: Fail
  matchConstraints: {resourceRules: [{apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["configmaps"]}]}
  auditAnnotations:
  - {key: owner, valueExpression: "'owned by ' + object.data.owner"}
  - {key: optional, valueExpression: "has(object.data.note) ? object.data.note : null"}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: audited.example.com}
spec:
  policyName: audited.example.com
  validationActions: [Deny, Audit]
  matchResources: {namespaceSelector: {matchLabels: {audited: "yes"}}}
`,
  });
  await k.ok(["create", "namespace", "audited"]);
  await k.ok(["label", "namespace", "audited", "audited=yes"]);
  await eventually("the policy applies", async () => {
    const r = await k.run(["create", "configmap", "probe", "-n", "audited", "--dry-run=server"]);
    return r.code !== 0 ? r.stderr : undefined;
  });
  // Without data.owner the value cannot be computed: with failurePolicy Fail, a Deny binding refuses the write.
  const r = await k.run(["create", "configmap", "anonymous", "-n", "audited"]);
  assert.match(r.stderr, /valueExpression '.*object\.data\.owner' resulted in error: /);
  await k.ok(["create", "configmap", "owned", "-n", "audited", "--from-literal=owner=team-a"]);
  assert.match(
    server.logs(),
    /admission policy audit annotation.*audited\.example\.com\/owner.*owned by team-a/,
  );
});

test("status.typeChecking warns of expressions that do not type-check against the matched kinds", async () => {
  await k.ok(["apply", "-f", "-"], {
    input: `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: typos.example.com}
spec:
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments, replicasets]}
    - {apiGroups: ["*"], apiVersions: ["*"], operations: [CREATE], resources: [widgets]}
  variables:
  - {name: replicas, expression: "object.spec.replicas"}
  validations:
  - expression: "object.spec.replicass > 1"
    messageExpression: "'needs ' + params.data.min"
  - expression: "variables.replicas + params.dta.size() > 0"
  - expression: "object.metadata.name.startsWith('x')"
`,
  });
  const jp = (path: string) =>
    k.ok(["get", "validatingadmissionpolicy", "typos.example.com", "-o", `jsonpath=${path}`]);
  await eventually("the policy's status is written", async () =>
    (await jp("{.status.observedGeneration}")) === "1" ? true : undefined,
  );
  const warnings = JSON.parse(await jp("{.status.typeChecking.expressionWarnings}")) as {
    fieldRef: string;
    warning: string;
  }[];
  assert.deepEqual(
    warnings.map((w) => w.fieldRef),
    ["spec.validations[0].expression", "spec.validations[1].expression"],
  );
  assert.equal(
    warnings[0]!.warning,
    "apps/v1, Kind=Deployment: ERROR: <input>:1:12: undefined field 'replicass'\n | object.spec.replicass > 1\n | ...........^\n" +
      "apps/v1, Kind=ReplicaSet: ERROR: <input>:1:12: undefined field 'replicass'\n | object.spec.replicass > 1\n | ...........^",
  );
  assert.match(
    warnings[1]!.warning,
    /^apps\/v1, Kind=Deployment: ERROR: <input>:1:28: undefined field 'dta'/,
  );

  // A new generation is checked again; a clean policy has no warnings.
  await k.ok([
    "patch",
    "validatingadmissionpolicy",
    "typos.example.com",
    "--type=json",
    "-p",
    '[{"op":"replace","path":"/spec/validations","value":[{"expression":"object.spec.replicas > 1"}]}]',
  ]);
  await eventually("the new generation is checked", async () =>
    (await jp("{.status.observedGeneration}")) === "2" ? true : undefined,
  );
  assert.equal(await jp("{.status.typeChecking}"), "{}");
});
