import { test } from "node:test";
import assert from "node:assert/strict";
import { resources } from "../../api/resources.ts";
import { patchMetaFor } from "./patch-meta.ts";

test("every served kind has ObjectMeta's merge lists", () => {
  for (const r of resources) {
    const m = patchMetaFor({ group: r.group, kind: r.kind });
    assert.equal(m.lists.get("metadata.ownerReferences")?.patchMergeKey, "uid", r.kind);
    assert.equal(m.lists.get("metadata.finalizers")?.listType, "set", r.kind);
  }
});

test("pod template lists are found at each workload's template path", () => {
  const paths: Array<[string, string, string]> = [
    ["", "Pod", "spec"],
    ["", "ReplicationController", "spec.template.spec"],
    ["apps", "Deployment", "spec.template.spec"],
    ["apps", "ReplicaSet", "spec.template.spec"],
    ["apps", "DaemonSet", "spec.template.spec"],
    ["batch", "Job", "spec.template.spec"],
    ["batch", "CronJob", "spec.jobTemplate.spec.template.spec"],
  ];
  for (const [group, kind, spec] of paths) {
    const m = patchMetaFor({ group, kind });
    assert.equal(m.lists.get(`${spec}.containers`)?.patchMergeKey, "name", kind);
    assert.equal(m.lists.get(`${spec}.initContainers.env`)?.patchMergeKey, "name", kind);
    assert.equal(m.lists.get(`${spec}.containers.volumeMounts`)?.patchMergeKey, "mountPath", kind);
    assert.deepEqual(
      m.lists.get(`${spec}.containers.ports`)?.listMapKeys,
      ["containerPort", "protocol"],
      kind,
    );
    assert.equal(m.lists.get(`${spec}.tolerations`)?.patchStrategy, undefined, kind);
  }
});
