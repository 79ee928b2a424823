// The oldest and newest kubectl on the machine handle the core commands too.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer, type RunningServer } from "../support/server.ts";
import { Kubectl } from "../support/kubectl.ts";

let server: RunningServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

for (const minor of [27, 33]) {
  describe(`kubectl 1.${minor}`, () => {
    test("create, get, label, scale, delete", async () => {
      const k = new Kubectl(server.kubeconfig, minor);
      const ns = `v${minor}`;
      await k.ok(["create", "namespace", ns]);
      await k.ok(["-n", ns, "create", "deployment", "web", "--image=nginx"]);
      assert.match(await k.ok(["-n", ns, "get", "deploy"]), /^web\s+0\/1\s+\d\s+0\s+\d+s$/m);
      await k.ok(["-n", ns, "label", "deploy", "web", "tier=front"]);
      assert.match(
        await k.ok(["-n", ns, "get", "deploy", "-l", "tier=front", "-o", "name"]),
        /deployment\.apps\/web/,
      );
      await k.ok(["-n", ns, "scale", "deploy", "web", "--replicas=3"]);
      assert.match(await k.ok(["-n", ns, "get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"]), /^3$/);
      assert.match(await k.ok(["api-resources"]), /deployments\s+deploy\s+apps\/v1/);
      await k.ok(["-n", ns, "delete", "deploy", "web"]);
      await k.ok(["delete", "namespace", ns]);
    });
  });
}
