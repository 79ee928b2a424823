// Service accounts as upstream's controllers and TokenRequest API give them: a `default` account and
// the `kube-root-ca.crt` ConfigMap in every namespace, `kubectl create token`, tokens that the API
// server authenticates (and refuses once expired, tampered, for another audience or unbound), and
// permissions that come only from RBAC.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, type RunningServer } from "../support/server.ts";
import { Kubectl } from "../support/kubectl.ts";
import { Api } from "../support/api.ts";
import { simulatedNode } from "../support/book.ts";

let server: RunningServer;
let admin: Kubectl;
before(async () => {
  server = await startServer();
  admin = new Kubectl(server.kubeconfig);
});
after(async () => {
  await server?.stop();
});

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const got = await probe().catch(() => undefined);
    if (got !== undefined) return got;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** kubectl with no kubeconfig user: only the token, as a pod or a CI job would use it. */
function withToken(token: string): Kubectl {
  const k = new Kubectl("/nonexistent");
  const run = k.run.bind(k);
  const flags = [
    `--server=${server.url}`,
    `--certificate-authority=${join(server.dataDir, "tls", "ca.crt")}`,
  ];
  k.run = (args, opts) => run([...flags, `--token=${token}`, ...args], opts);
  return k;
}

test("every namespace gets a default ServiceAccount and kube-root-ca.crt, recreated when deleted", async () => {
  await admin.ok(["create", "namespace", "fresh"]);
  await eventually("the default account", async () =>
    (await admin.run(["get", "sa", "default", "-n", "fresh"])).code === 0 ? true : undefined,
  );
  const cm = await eventually("the CA ConfigMap", async () => {
    const r = await admin.run(["get", "cm", "kube-root-ca.crt", "-n", "fresh", "-o", "json"]);
    return r.code === 0 ? (JSON.parse(r.stdout) as { data: Record<string, string> }) : undefined;
  });
  assert.equal(cm.data["ca.crt"], readFileSync(join(server.dataDir, "tls", "ca.crt"), "utf8"));
  await admin.ok(["delete", "sa", "default", "-n", "fresh"]);
  await admin.ok(["delete", "cm", "kube-root-ca.crt", "-n", "fresh"]);
  await eventually("both back", async () =>
    (await admin.run(["get", "sa/default", "cm/kube-root-ca.crt", "-n", "fresh"])).code === 0
      ? true
      : undefined,
  );
});

test("a service account's token authenticates as it, and lists pods only once a RoleBinding grants it", async () => {
  await admin.ok(["create", "sa", "reader"]);
  const token = (await admin.ok(["create", "token", "reader"])).trim();
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const sa = withToken(token);
  assert.match(
    await sa.ok(["auth", "whoami"]),
    /Username\s+system:serviceaccount:default:reader\nGroups\s+\[system:serviceaccounts system:serviceaccounts:default system:authenticated\]/,
  );
  const refused = await sa.run(["get", "pods"]);
  assert.equal(
    refused.stderr.trim(),
    'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:default:reader" cannot list resource "pods" in API group "" in the namespace "default"',
  );
  await admin.ok([
    "create",
    "rolebinding",
    "reader-view",
    "--clusterrole=view",
    "--serviceaccount=default:reader",
  ]);
  await eventually("the grant", async () => ((await sa.run(["get", "pods"])).code === 0 ? true : undefined));
});

test("tampered, foreign-audience and unbound tokens get 401, and so does a deleted account's", async () => {
  const api = new Api(server.kubeconfig);
  await admin.ok(["create", "sa", "short"]);
  const unauthorized = async (token: string, why: string) => {
    const r = await withToken(token).run(["get", "--raw", "/api"]);
    assert.notEqual(r.code, 0, why);
    assert.match(r.stderr, /Unauthorized/, why);
  };
  const good = (await admin.ok(["create", "token", "short"])).trim();
  const [h, p, s] = good.split(".") as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, "base64url").toString());
  const forged = Buffer.from(
    JSON.stringify({ ...claims, sub: "system:serviceaccount:kube-system:admin" }),
  ).toString("base64url");
  await unauthorized(`${h}.${forged}.${s}`, "tampered");
  await unauthorized(
    (await admin.ok(["create", "token", "short", "--audience=https://elsewhere"])).trim(),
    "audience",
  );

  // An expired one: a TokenRequest cannot ask for less than 10 minutes, so check the refusal too.
  const tooShort = await api.send("POST", "/api/v1/namespaces/default/serviceaccounts/short/token", {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: { expirationSeconds: 60 },
  });
  assert.equal(tooShort.status, 422);
  assert.equal(
    tooShort.json().message,
    'TokenRequest.authentication.k8s.io "short" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
  );

  // Bound to a pod: valid while the pod is, refused once it is gone.
  await admin.ok(["apply", "-f", "-"], { input: simulatedNode("sa-node") });
  await admin.ok([
    "run",
    "holder",
    "--image=luksa/kubia",
    "--overrides",
    '{"spec":{"serviceAccountName":"short"}}',
  ]);
  const bound = (
    await admin.ok(["create", "token", "short", "--bound-object-kind=Pod", "--bound-object-name=holder"])
  ).trim();
  assert.equal((await withToken(bound).run(["get", "--raw", "/api"])).code, 0, "bound to a live pod");
  await admin.ok(["delete", "pod", "holder", "--grace-period=0", "--force"]);
  await eventually("the pod gone", async () =>
    (await admin.run(["get", "pod", "holder"])).code !== 0 ? true : undefined,
  );
  await unauthorized(bound, "bound pod deleted");

  assert.equal((await withToken(good).run(["get", "--raw", "/api"])).code, 0);
  await admin.ok(["delete", "sa", "short"]);
  await unauthorized(good, "account deleted");
});

test("a service-account-token Secret gets a legacy token that works while the Secret holds it", async () => {
  await admin.ok(["create", "sa", "legacy"]);
  await admin.ok(["apply", "-f", "-"], {
    input: `apiVersion: v1
kind: Secret
metadata:
  name: legacy-token
  annotations:
    kubernetes.io/service-account.name: legacy
type: kubernetes.io/service-account-token
`,
  });
  const secret = await eventually("the token filled in", async () => {
    const s = JSON.parse(await admin.ok(["get", "secret", "legacy-token", "-o", "json"])) as {
      data?: Record<string, string>;
      metadata: { annotations: Record<string, string> };
    };
    return s.data?.token ? s : undefined;
  });
  const decode = (k: string) => Buffer.from(secret.data![k]!, "base64").toString();
  assert.equal(decode("namespace"), "default");
  assert.equal(decode("ca.crt"), readFileSync(join(server.dataDir, "tls", "ca.crt"), "utf8"));
  const uid = (await admin.ok(["get", "sa", "legacy", "-o", "jsonpath={.metadata.uid}"])).trim();
  assert.equal(secret.metadata.annotations["kubernetes.io/service-account.uid"], uid);
  const token = decode("token");
  assert.match(
    await withToken(token).ok(["auth", "whoami"]),
    /Username\s+system:serviceaccount:default:legacy/,
  );
  await admin.ok(["delete", "secret", "legacy-token"]);
  const r = await withToken(token).run(["get", "--raw", "/api"]);
  assert.match(r.stderr, /Unauthorized/);
});

test("TokenReview answers for service-account tokens and the static ones", async () => {
  const api = new Api(server.kubeconfig);
  await admin.ok(["create", "sa", "reviewed"]);
  const token = (await admin.ok(["create", "token", "reviewed"])).trim();
  const review = await api.send("POST", "/apis/authentication.k8s.io/v1/tokenreviews", {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenReview",
    spec: { token },
  });
  assert.equal(review.status, 201);
  const status = review.json().status;
  assert.equal(status.authenticated, true);
  assert.equal(status.user.username, "system:serviceaccount:default:reviewed");
  const bad = (
    await api.send("POST", "/apis/authentication.k8s.io/v1/tokenreviews", {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenReview",
      spec: { token: "nonsense" },
    })
  ).json().status;
  assert.equal(bad.authenticated, undefined);
  assert.ok(bad.error);
});
