import assert from "node:assert/strict";
import { test } from "node:test";
import { pullSecretAuths } from "./images.ts";

const dockerconfig = (auths: object) => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "regcred" },
  type: "kubernetes.io/dockerconfigjson",
  data: { ".dockerconfigjson": Buffer.from(JSON.stringify({ auths })).toString("base64") },
});

test("pull secrets: the credential of the image's registry, with a server address containerd can parse", () => {
  const secret = dockerconfig({
    "10.99.3.1:5000": { username: "learner", password: "s3cret" },
    "https://index.docker.io/v1/": { auth: Buffer.from("hub:pw").toString("base64") },
    "other.example.com": { username: "x", password: "y" },
  });
  assert.deepEqual(pullSecretAuths([secret], "10.99.3.1:5000/private/app:1"), [
    {
      username: "learner",
      password: "s3cret",
      server_address: "https://10.99.3.1:5000",
      identity_token: undefined,
      registry_token: undefined,
    },
  ]);
  // Docker Hub under any of its names, for a short image name.
  const hub = pullSecretAuths([secret], "luksa/kubia");
  assert.equal(hub.length, 1);
  assert.deepEqual([hub[0].username, hub[0].password], ["hub", "pw"]);
  assert.deepEqual(pullSecretAuths([secret], "quay.io/app:1"), []);
});

test("pull secrets that are not JSON are passed over", () => {
  const broken = {
    ...dockerconfig({}),
    data: { ".dockerconfigjson": Buffer.from("{not json").toString("base64") },
  };
  assert.deepEqual(pullSecretAuths([broken], "luksa/kubia"), []);
});
