import assert from "node:assert/strict";
import { test } from "node:test";
import { fieldErrorMessage } from "../../apimachinery/field-error.ts";
import { applyDefaults } from "../defaults/index.ts";
import {
  validateMutatingWebhookConfiguration,
  validateValidatingWebhookConfiguration,
} from "./admissionregistration.ts";

const hook = (extra: Record<string, unknown> = {}) => ({
  name: "check.example.com",
  clientConfig: { url: "https://127.0.0.1:8443/check" },
  rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }],
  sideEffects: "None",
  admissionReviewVersions: ["v1"],
  ...extra,
});
const messages = (webhooks: unknown[], mutating = false) =>
  (mutating ? validateMutatingWebhookConfiguration : validateValidatingWebhookConfiguration)({
    metadata: { name: "cfg" },
    webhooks,
  }).map(fieldErrorMessage);

test("a well-formed configuration passes and is defaulted as upstream stores it", () => {
  assert.deepEqual(messages([hook()]), []);
  const cfg = { webhooks: [hook({ clientConfig: { service: { namespace: "ns", name: "svc" } } })] };
  applyDefaults("admissionregistration.k8s.io", "MutatingWebhookConfiguration", cfg);
  const w = cfg.webhooks[0] as Record<string, any>;
  assert.equal(w.failurePolicy, "Fail");
  assert.equal(w.matchPolicy, "Equivalent");
  assert.equal(w.timeoutSeconds, 10);
  assert.equal(w.reinvocationPolicy, "Never");
  assert.deepEqual(w.namespaceSelector, {});
  assert.equal(w.rules[0].scope, "*");
  assert.equal(w.clientConfig.service.port, 443);
});

test("each bad field gets upstream's message", () => {
  assert.deepEqual(messages([hook({ sideEffects: undefined, admissionReviewVersions: [] })]), [
    "webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun",
    "webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1",
  ]);
  assert.deepEqual(messages([hook({ name: "short.name" })]), [
    'webhooks[0].name: Invalid value: "short.name": should be a domain with at least three segments separated by dots',
  ]);
  assert.deepEqual(messages([hook(), hook()]), ['webhooks[1].name: Duplicate value: "check.example.com"']);
  assert.deepEqual(messages([hook({ clientConfig: { url: "http://x.example.com/" } })]), [
    `webhooks[0].clientConfig.url: Invalid value: "http://x.example.com/": 'https' is the only allowed URL scheme`,
  ]);
  assert.deepEqual(messages([hook({ clientConfig: {} })]), [
    "webhooks[0].clientConfig: Required value: exactly one of url or service is required",
  ]);
  assert.deepEqual(messages([hook({ timeoutSeconds: 31, failurePolicy: "Maybe" })]), [
    'webhooks[0].failurePolicy: Unsupported value: "Maybe": supported values: "Fail", "Ignore"',
    "webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds",
  ]);
  assert.deepEqual(messages([hook({ reinvocationPolicy: "Always" })], true), [
    'webhooks[0].reinvocationPolicy: Unsupported value: "Always": supported values: "IfNeeded", "Never"',
  ]);
  assert.deepEqual(
    messages([
      hook({ rules: [{ operations: ["PATCH"], apiGroups: [], apiVersions: ["v1"], resources: ["a/b/c"] }] }),
    ]),
    [
      'webhooks[0].rules[0].operations[0]: Unsupported value: "PATCH": supported values: "*", "CONNECT", "CREATE", "DELETE", "UPDATE"',
      "webhooks[0].rules[0].apiGroups: Required value",
      'webhooks[0].rules[0].resources[0]: Invalid value: "a/b/c": must be of the form resource/subresource',
    ],
  );
});

test("match conditions are compiled when the configuration is written", () => {
  const errs = messages([
    hook({ matchConditions: [{ name: "broken", expression: "object.metadata.name ==" }] }),
  ]);
  assert.equal(errs.length, 1);
  assert.match(
    errs[0],
    /^webhooks\[0\]\.matchConditions\[0\]\.expression: Invalid value: "object\.metadata\.name ==": compilation failed: ERROR: <input>:1:/,
  );
  assert.deepEqual(
    messages([
      hook({
        matchConditions: [
          { name: "a", expression: "true" },
          { name: "a", expression: "true" },
        ],
      }),
    ]),
    ['webhooks[0].matchConditions[1].name: Duplicate value: "a"'],
  );
});
