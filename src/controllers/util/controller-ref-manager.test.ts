import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KObject } from "../../apimachinery/meta.ts";
import { labelSelectorFromSet } from "../../apimachinery/selectors/index.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import { RecordingClient } from "../../client/fake-client.ts";
import { refFor } from "../refs.ts";
import { ControllerRefManager, recheckDeletionTimestamp } from "./controller-ref-manager.ts";

const owner: KObject = { metadata: { name: "web", namespace: "ns", uid: "owner-uid" } };

function pod(name: string, labels: Record<string, string>, ownerUid?: string): KObject {
  return {
    metadata: {
      name,
      namespace: "ns",
      uid: `uid-${name}`,
      labels,
      ownerReferences: ownerUid
        ? [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "x", uid: ownerUid, controller: true }]
        : [],
    },
  };
}

function manager(client: RecordingClient, fresh: () => Promise<KObject>) {
  return new ControllerRefManager({
    client,
    controller: owner,
    controllerApiVersion: "apps/v1",
    controllerKind: "ReplicaSet",
    selector: labelSelectorFromSet({ app: "web" }),
    childRef: refFor("", "pods"),
    childKind: "Pod",
    canAdopt: recheckDeletionTimestamp(owner, "ReplicaSet", fresh),
  });
}

describe("ControllerRefManager", () => {
  it("refuses to adopt for an owner re-created under the same name", async () => {
    const client = new RecordingClient();
    const m = manager(client, async () => ({ metadata: { ...owner.metadata, uid: "new-uid" } }));
    await assert.rejects(
      m.claim([pod("a", { app: "web" })]),
      /can't adopt Pod ns\/a \(uid-a\): original ReplicaSet ns\/web is gone: got uid new-uid, wanted owner-uid/,
    );
    assert.equal(client.actions("patch").length, 0);
  });

  it("treats a pod that vanished or lost our reference as released, and reports other failures", async () => {
    const client = new RecordingClient();
    const m = manager(client, async () => owner);
    // Not in client.objects: the release patch gets a 404.
    assert.deepEqual(await m.claim([pod("gone", { app: "other" }, "owner-uid")]), []);
    client.fail("patch", "pods", new StatusError(422, "Invalid", "no owner reference"));
    assert.deepEqual(await m.claim([pod("b", { app: "other" }, "owner-uid")]), []);
    client.fail("patch", "pods", new StatusError(500, "InternalError", "etcd down"));
    await assert.rejects(m.claim([pod("c", { app: "other" }, "owner-uid")]), /etcd down/);
  });

  it("keeps its own matching pods and leaves others' pods and non-matching orphans alone without API calls", async () => {
    const client = new RecordingClient();
    const m = manager(client, async () => owner);
    const mine = pod("mine", { app: "web" }, "owner-uid");
    const claimed = await m.claim([
      mine,
      pod("theirs", { app: "web" }, "other"),
      pod("stray", { app: "db" }),
    ]);
    assert.deepEqual(claimed, [mine]);
    assert.equal(client.calls.length, 0);
  });

  it("does not adopt while the owner itself is being deleted", async () => {
    const client = new RecordingClient();
    const deleting = { metadata: { ...owner.metadata, deletionTimestamp: "2024-01-01T00:00:00Z" } };
    const m = new ControllerRefManager({
      client,
      controller: deleting,
      controllerApiVersion: "apps/v1",
      controllerKind: "ReplicaSet",
      selector: labelSelectorFromSet({ app: "web" }),
      childRef: refFor("", "pods"),
      childKind: "Pod",
      canAdopt: async () => {},
    });
    assert.deepEqual(await m.claim([pod("a", { app: "web" }), pod("b", { app: "x" }, "owner-uid")]), []);
    assert.equal(client.calls.length, 0);
  });
});
