// `kubectl auth whoami` (SelfSubjectReview) on every kubectl minor: 1.27 asks authentication.k8s.io/v1beta1,
// later ones v1, in protobuf; the answer is the identity the server authenticated.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startServer, type RunningServer } from "../support/server.ts";
import { Kubectl } from "../support/kubectl.ts";
import { Api } from "../support/api.ts";

let server: RunningServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

for (const minor of [27, 28, 29, 30, 31, 32, 33]) {
  test(`kubectl 1.${minor} auth whoami names the admin and its groups`, async () => {
    const out = await new Kubectl(server.kubeconfig, minor).ok(["auth", "whoami"]);
    assert.match(
      out,
      /^ATTRIBUTE\s+VALUE\nUsername\s+system:admin\nGroups\s+\[system:masters system:authenticated\]\n$/,
    );
  });
}

test("the review comes back as upstream encodes it, in the version asked for, and nothing else is served", async () => {
  const k = new Kubectl(server.kubeconfig);
  const review = JSON.parse(await k.ok(["auth", "whoami", "-o", "json"])) as Record<string, unknown>;
  assert.deepEqual(review, {
    kind: "SelfSubjectReview",
    apiVersion: "authentication.k8s.io/v1",
    metadata: { creationTimestamp: null },
    status: { userInfo: { username: "system:admin", groups: ["system:masters", "system:authenticated"] } },
  });
  const api = new Api(server.kubeconfig);
  const beta = await api.send("POST", "/apis/authentication.k8s.io/v1beta1/selfsubjectreviews", {
    apiVersion: "authentication.k8s.io/v1beta1",
    kind: "SelfSubjectReview",
  });
  assert.equal(beta.status, 201);
  assert.equal(beta.json().apiVersion, "authentication.k8s.io/v1beta1");
  const list = await k.run(["get", "selfsubjectreviews"]);
  assert.notEqual(list.code, 0);
  assert.match(list.stderr, /MethodNotAllowed/);
  assert.match(
    await k.ok(["api-resources", "--api-group=authentication.k8s.io"]),
    /selfsubjectreviews\s+authentication\.k8s\.io\/v1\s+false\s+SelfSubjectReview/,
  );
});
