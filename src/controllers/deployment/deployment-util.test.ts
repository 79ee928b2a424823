import assert from "node:assert/strict";
import { test } from "node:test";
import {
  getProportion,
  lastRevision,
  maxSurge,
  maxUnavailable,
  resolveFenceposts,
  setNewReplicaSetAnnotations,
} from "./deployment-util.ts";
import { equalIgnoreHash } from "../util/pod-template-hash.ts";
import { deployment, replicaSet, template } from "./test-fixtures.ts";

test("resolveFenceposts rounds surge up, unavailability down, and never leaves both at zero", () => {
  assert.deepEqual(resolveFenceposts("25%", "25%", 10), [3, 2]);
  assert.deepEqual(resolveFenceposts("25%", "25%", 3), [1, 0]);
  assert.deepEqual(resolveFenceposts("0%", "1%", 2), [0, 1]);
  assert.deepEqual(resolveFenceposts("1%", "25%", 2), [1, 0]);
  assert.deepEqual(resolveFenceposts(0, 0, 5), [0, 1]);
  assert.deepEqual(resolveFenceposts(2, 3, 5), [2, 3]);
  assert.throws(() => resolveFenceposts("2", 0, 5), /not a percentage/);
});

test("maxUnavailable is capped at the replica count and zero for Recreate", () => {
  assert.equal(
    maxUnavailable(
      deployment({
        replicas: 2,
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 5, maxSurge: 0 } },
      }),
    ),
    2,
  );
  assert.equal(maxUnavailable(deployment({ strategy: { type: "Recreate" } })), 0);
  assert.equal(maxSurge(deployment({ strategy: { type: "Recreate" } })), 0);
});

test("getProportion scales by the RS's share of max-replicas, bounded by what is left", () => {
  const d = deployment({ replicas: 20 });
  const rs = replicaSet(d, { image: "a", replicas: 8, max: 13 });
  assert.equal(getProportion(rs, d, 12, 0), 7);
  assert.equal(getProportion(rs, d, 12, 10), 2);
  const down = deployment({ replicas: 5 });
  // 8 * (5 + 2) / 13 = 4.3 → 4: lose 4, but never more than asked.
  assert.equal(getProportion(rs, down, -6, 0), -4);
  assert.equal(getProportion(rs, down, -3, 0), -3);
});

test("a rolled-back RS keeps its previous revisions in revision-history", () => {
  const d = deployment();
  d.metadata!.annotations = {
    "kubernetes.io/change-cause": "undo",
    "deployment.kubernetes.io/revision": "4",
  };
  const rs = replicaSet(d, { image: "nginx", replicas: 0, revision: 1 });
  assert.equal(setNewReplicaSetAnnotations(d, rs, "3", true), true);
  assert.equal(rs.metadata!.annotations!["deployment.kubernetes.io/revision"], "3");
  assert.equal(rs.metadata!.annotations!["deployment.kubernetes.io/revision-history"], "1");
  assert.equal(rs.metadata!.annotations!["kubernetes.io/change-cause"], "undo");
  setNewReplicaSetAnnotations(d, rs, "5", true);
  assert.equal(rs.metadata!.annotations!["deployment.kubernetes.io/revision-history"], "1,3");
  assert.equal(setNewReplicaSetAnnotations(d, rs, "5", true), false, "nothing more to change");
});

test("lastRevision is the second highest", () => {
  const d = deployment();
  const rss = [1, 4, 3].map((r) => replicaSet(d, { image: `v${r}`, replicas: 0, revision: r }));
  assert.equal(lastRevision(rss), 3);
});

test("templates compare equal without the hash label, nulls and empty lists", () => {
  const a = template("nginx");
  const b = template("nginx");
  b.metadata!.labels!["pod-template-hash"] = "abc";
  (b.metadata as Record<string, unknown>).creationTimestamp = null;
  (b.spec as Record<string, unknown>).volumes = [];
  assert.ok(equalIgnoreHash(a, b));
  assert.ok(!equalIgnoreHash(a, template("nginx:1.27")));
});
