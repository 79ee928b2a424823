// Wire-level API semantics a client library relies on: watch from a revision, bookmarks,
// timeouts, 410 after compaction, legacy versions with warnings, deletecollection, metrics.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "../support/server.ts";
import { Api } from "../support/api.ts";
import { Kubectl } from "../support/kubectl.ts";
import { KUBIA_REPLICASET } from "../support/book.ts";

let server: RunningServer;
let api: Api;
const cms = "/api/v1/namespaces/default/configmaps";

before(async () => {
  // Compaction every second so that a 410 can be seen without waiting minutes.
  server = await startServer({ args: ["--compaction-interval", "1s"] });
  api = new Api(server.kubeconfig);
});

after(async () => {
  await server?.stop();
});

function events(text: string): Array<{ type: string; object: any }> {
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe("watch", () => {
  test("from a resourceVersion: only later changes, in order, then the timeout ends the stream", async () => {
    const a = await api.send("POST", cms, { metadata: { name: "w1" } });
    const rv = a.json().metadata.resourceVersion;
    await api.send("POST", cms, { metadata: { name: "w2" } });
    await api.send("DELETE", `${cms}/w1`);
    const r = await api.send("GET", `${cms}?watch=true&resourceVersion=${rv}&timeoutSeconds=1`);
    assert.equal(r.status, 200);
    const evs = events(r.text);
    assert.deepEqual(
      evs.map((e) => `${e.type} ${e.object.metadata.name}`),
      ["ADDED w2", "DELETED w1"],
    );
    assert.ok(
      Number(evs[1].object.metadata.resourceVersion) > Number(evs[0].object.metadata.resourceVersion),
    );
  });

  test("resourceVersion 0 replays the current state as ADDED", async () => {
    const r = await api.send(
      "GET",
      `${cms}?watch=true&resourceVersion=0&timeoutSeconds=1&fieldSelector=metadata.name%3Dw2`,
    );
    assert.deepEqual(
      events(r.text).map((e) => `${e.type} ${e.object.metadata.name}`),
      ["ADDED w2"],
    );
  });

  test("bookmarks only when asked, carrying the current revision", async () => {
    const list = (await api.send("GET", cms)).json();
    const r = await api.send(
      "GET",
      `${cms}?watch=true&allowWatchBookmarks=true&resourceVersion=${list.metadata.resourceVersion}&timeoutSeconds=1`,
    );
    const bm = events(r.text).filter((e) => e.type === "BOOKMARK");
    assert.ok(bm.length >= 1);
    assert.equal(bm[0].object.kind, "ConfigMap");
    assert.ok(Number(bm[0].object.metadata.resourceVersion) >= Number(list.metadata.resourceVersion));
    const plain = await api.send(
      "GET",
      `${cms}?watch=true&resourceVersion=${list.metadata.resourceVersion}&timeoutSeconds=1`,
    );
    assert.equal(events(plain.text).filter((e) => e.type === "BOOKMARK").length, 0);
  });

  test("a label selector turns objects leaving the selection into DELETED", async () => {
    const c = await api.send("POST", cms, { metadata: { name: "sel", labels: { app: "x" } } });
    const rv = c.json().metadata.resourceVersion;
    await api.send(
      "PATCH",
      `${cms}/sel`,
      { metadata: { labels: { app: "y" } } },
      { "Content-Type": "application/merge-patch+json" },
    );
    const r = await api.send(
      "GET",
      `${cms}?watch=true&labelSelector=app%3Dx&resourceVersion=${Number(rv) - 1}&timeoutSeconds=1`,
    );
    assert.deepEqual(
      events(r.text).map((e) => e.type),
      ["ADDED", "DELETED"],
    );
  });

  test("a watch from a compacted revision gets a 410 Expired ERROR event", async () => {
    for (let i = 0; i < 5; i++)
      await api.send("PUT", `${cms}/w2`, { metadata: { name: "w2" }, data: { i: String(i) } });
    // Two compaction ticks: the first records a revision, the second compacts to it.
    await new Promise((r) => setTimeout(r, 2500));
    const r = await api.send("GET", `${cms}?watch=true&resourceVersion=1&timeoutSeconds=2`);
    const evs = events(r.text);
    assert.equal(evs.length, 1);
    assert.equal(evs[0].type, "ERROR");
    assert.equal(evs[0].object.code, 410);
    assert.equal(evs[0].object.reason, "Expired");
    assert.match(evs[0].object.message, /too old resource version: 1 \(\d+\)/);
    const list = await api.send("GET", `${cms}?resourceVersion=1&resourceVersionMatch=Exact`);
    assert.equal(list.status, 410);
  });
});

describe("query parameters and paths as upstream parses them", () => {
  test("booleans as apimachinery converts them: watch=True (the Python client), 1 or yes watch; False or 0 list", async () => {
    await api.send("POST", cms, { metadata: { name: "pybool" } });
    for (const v of ["True", "1", "t", "TRUE", "yes"]) {
      const r = await api.send(
        "GET",
        `${cms}?watch=${v}&resourceVersion=0&timeoutSeconds=1&fieldSelector=metadata.name%3Dpybool`,
      );
      assert.deepEqual(
        events(r.text).map((e) => `${e.type} ${e.object.metadata.name}`),
        ["ADDED pybool"],
        `watch=${v}`,
      );
    }
    for (const v of ["False", "0", "false"]) {
      const list = await api.send("GET", `${cms}?watch=${v}&fieldSelector=metadata.name%3Dpybool`);
      assert.equal(list.json().kind, "ConfigMapList", `watch=${v}`);
    }
  });

  test("an integer or a duration that does not parse is upstream's 400 with the parser's words", async () => {
    for (const [path, message] of [
      [`${cms}?limit=ten`, 'strconv.ParseInt: parsing "ten": invalid syntax'],
      [`${cms}?watch=1&timeoutSeconds=soon`, 'strconv.ParseInt: parsing "soon": invalid syntax'],
      [
        `${cms}?timeout=forever`,
        'invalid timeout specified in the request URL - time: invalid duration "forever"',
      ],
      [
        `${cms}/x?timeout=10`,
        'invalid timeout specified in the request URL - time: missing unit in duration "10"',
      ],
    ] as const) {
      const r = await api.send("GET", path);
      assert.equal(r.status, 400, path);
      const s = r.json();
      assert.equal(s.kind, "Status");
      assert.equal(s.reason, "BadRequest");
      assert.equal(s.message, message, path);
    }
    const del = await api.send("DELETE", `${cms}/nothing?gracePeriodSeconds=later`);
    assert.equal(del.status, 400);
    assert.equal(del.json().message, 'strconv.ParseInt: parsing "later": invalid syntax');
    assert.equal((await api.send("GET", `${cms}?limit=1&timeout=32s`)).status, 200);
  });

  test("/readyz and /livez list their checks with ?verbose, one check by its path, and excluded ones", async () => {
    const plain = await api.send("GET", "/readyz", undefined, {}, { anonymous: true });
    assert.equal(plain.status, 200);
    assert.equal(plain.text, "ok");
    const ready = await api.send("GET", "/readyz?verbose", undefined, {}, { anonymous: true });
    assert.equal(ready.status, 200);
    const lines = ready.text.trimEnd().split("\n");
    assert.deepEqual(lines.slice(0, 5), [
      "[+]ping ok",
      "[+]log ok",
      "[+]etcd ok",
      "[+]etcd-readiness ok",
      "[+]informer-sync ok",
    ]);
    assert.equal(lines.at(-2), "[+]shutdown ok");
    assert.equal(lines.at(-1), "readyz check passed");
    const live = (await api.send("GET", "/livez?verbose")).text.trimEnd().split("\n");
    assert.equal(live.at(-1), "livez check passed");
    assert.ok(!live.includes("[+]informer-sync ok"), "liveness does not wait for informers");
    assert.equal((await api.send("GET", "/readyz/etcd")).text, "ok");
    assert.equal((await api.send("GET", "/livez/poststarthook/bootstrap-controller")).text, "ok");
    assert.equal((await api.send("GET", "/readyz/nonsense")).status, 404);
    const excluded = (await api.send("GET", "/readyz?verbose&exclude=etcd&exclude=bogus")).text;
    assert.match(excluded, /^\[\+\]etcd excluded: ok$/m);
    assert.match(excluded, /^warn: some health checks cannot be excluded: no matches for "bogus"$/m);
  });

  test("/version/, /api/ and /apis/ are served as without the slash", async () => {
    for (const p of ["/version", "/api", "/apis"]) {
      const plain = await api.send("GET", p);
      const slashed = await api.send("GET", `${p}/`);
      assert.equal(slashed.status, 200, p);
      assert.deepEqual(slashed.json(), plain.json(), p);
    }
  });
});

describe("collections and metadata", () => {
  test("empty omitempty lists and maps are dropped after every kind of write, as Go encodes them", async () => {
    const empties = (o: any) =>
      [
        "labels" in o.metadata && "metadata.labels",
        "annotations" in o.metadata && "metadata.annotations",
        "finalizers" in o.metadata && "metadata.finalizers",
        "ownerReferences" in o.metadata && "metadata.ownerReferences",
        "data" in o && "data",
      ].filter(Boolean);
    const created = await api.send("POST", cms, {
      metadata: { name: "omit", labels: {}, annotations: {}, finalizers: [], ownerReferences: [] },
      data: {},
    });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(empties(created.json()), []);
    assert.deepEqual(empties((await api.send("GET", `${cms}/omit`)).json()), []);

    const withLabel = await api.send(
      "PATCH",
      `${cms}/omit`,
      { metadata: { labels: { a: "1" } }, data: { k: "v" } },
      {
        "Content-Type": "application/merge-patch+json",
      },
    );
    assert.equal(withLabel.json().metadata.labels.a, "1");
    const merge = await api.send(
      "PATCH",
      `${cms}/omit`,
      { metadata: { labels: { a: null } }, data: { k: null } },
      {
        "Content-Type": "application/merge-patch+json",
      },
    );
    assert.deepEqual(empties(merge.json()), []);

    const json = await api.send(
      "PATCH",
      `${cms}/omit`,
      [{ op: "add", path: "/metadata/finalizers", value: [] }],
      {
        "Content-Type": "application/json-patch+json",
      },
    );
    assert.equal(json.status, 200, json.text);
    assert.deepEqual(empties(json.json()), []);

    const current = (await api.send("GET", `${cms}/omit`)).json();
    const put = await api.send("PUT", `${cms}/omit`, {
      ...current,
      metadata: { ...current.metadata, annotations: {} },
    });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(empties(put.json()), []);

    // A list the schema requires stays, empty or not: an EndpointSlice's endpoints.
    const es = await api.send("POST", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", {
      metadata: { name: "omit-es" },
      addressType: "IPv4",
      endpoints: [],
    });
    assert.equal(es.status, 201, es.text);
    assert.deepEqual(es.json().endpoints, []);
  });

  test("deletecollection with a label selector removes only the matching objects", async () => {
    for (const [n, app] of [
      ["dc1", "gone"],
      ["dc2", "gone"],
      ["dc3", "stays"],
    ])
      await api.send("POST", cms, { metadata: { name: n, labels: { dc: app } } });
    const r = await api.send("DELETE", `${cms}?labelSelector=dc%3Dgone`);
    assert.equal(r.status, 200);
    const names = (await api.send("GET", `${cms}?labelSelector=dc`))
      .json()
      .items.map((i: any) => i.metadata.name);
    assert.deepEqual(names, ["dc3"]);
  });

  test("finalizers hold an object with deletionTimestamp until they are removed", async () => {
    await api.send("POST", cms, { metadata: { name: "held", finalizers: ["example.com/hold"] } });
    const d = await api.send("DELETE", `${cms}/held`);
    assert.equal(d.status, 200);
    const held = (await api.send("GET", `${cms}/held`)).json();
    assert.ok(held.metadata.deletionTimestamp);
    assert.deepEqual(held.metadata.finalizers, ["example.com/hold"]);
    const p = await api.send(
      "PATCH",
      `${cms}/held`,
      { metadata: { finalizers: null } },
      { "Content-Type": "application/merge-patch+json" },
    );
    assert.equal(p.status, 200);
    assert.equal((await api.send("GET", `${cms}/held`)).status, 404);
  });

  test("generation moves on spec changes only", async () => {
    const base = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "gen" },
      spec: {
        selector: { matchLabels: { a: "b" } },
        template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "x" }] } },
      },
    };
    const path = "/apis/apps/v1/namespaces/default/deployments";
    assert.equal((await api.send("POST", path, base)).json().metadata.generation, 1);
    const labelled = await api.send(
      "PATCH",
      `${path}/gen`,
      { metadata: { labels: { x: "y" } } },
      { "Content-Type": "application/merge-patch+json" },
    );
    assert.equal(labelled.json().metadata.generation, 1);
    const scaled = await api.send(
      "PATCH",
      `${path}/gen`,
      { spec: { replicas: 4 } },
      { "Content-Type": "application/merge-patch+json" },
    );
    assert.equal(scaled.json().metadata.generation, 2);
    const status = await api.send(
      "PATCH",
      `${path}/gen/status`,
      { status: { replicas: 4 } },
      { "Content-Type": "application/merge-patch+json" },
    );
    assert.equal(status.json().metadata.generation, 2);
    const immutable = await api.send(
      "PATCH",
      `${path}/gen`,
      { spec: { selector: { matchLabels: { a: "c" } }, template: { metadata: { labels: { a: "c" } } } } },
      { "Content-Type": "application/merge-patch+json" },
    );
    assert.equal(immutable.status, 422);
    assert.match(immutable.json().message, /field is immutable/);
  });
});

describe("legacy API versions", () => {
  test("apps/v1beta2 and extensions/v1beta1 manifests are accepted, converted, and warned about", async () => {
    const k = new Kubectl(server.kubeconfig);
    const dir = mkdtempSync(join(tmpdir(), "skiff-legacy-"));
    const rs = join(dir, "kubia-replicaset.yaml");
    writeFileSync(rs, KUBIA_REPLICASET);
    const ing = join(dir, "kubia-ingress.yaml");
    writeFileSync(
      ing,
      `apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: kubia
spec:
  rules:
  - host: kubia.example.com
    http:
      paths:
      - path: /
        backend:
          serviceName: kubia-nodeport
          servicePort: 80
`,
    );
    const r = await k.run(["create", "-f", rs]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /Warning: apps\/v1beta2 ReplicaSet is deprecated in v1\.9\+, unavailable in v1\.16\+; use apps\/v1 ReplicaSet/,
    );
    const stored = JSON.parse(await k.ok(["get", "rs", "kubia", "-o", "json"])) as any;
    assert.equal(stored.apiVersion, "apps/v1");
    const i = await k.run(["apply", "-f", ing]);
    assert.equal(i.code, 0, i.stderr);
    assert.match(i.stderr, /Warning: extensions\/v1beta1 Ingress is deprecated/);
    const ingress = JSON.parse(
      await k.ok(["get", "ingress.networking.k8s.io", "kubia", "-o", "json"]),
    ) as any;
    assert.deepEqual(ingress.spec.rules[0].http.paths[0].backend, {
      service: { name: "kubia-nodeport", port: { number: 80 } },
    });
    assert.equal(ingress.spec.rules[0].http.paths[0].pathType, "ImplementationSpecific");
    // The default IngressClass (skiff's own) is set on create, as upstream's DefaultIngressClass admission does.
    assert.match(await k.ok(["get", "ingress"]), /^kubia\s+skiff\s+kubia\.example\.com\s+80\s+\d+s$/m);
  });
});

describe("metrics", () => {
  test("/metrics has request counts and latencies by verb, resource and code", async () => {
    const r = await api.send("GET", "/metrics");
    assert.equal(r.status, 200);
    const lines = r.text.split("\n");
    const has = (name: string, ...labels: string[]) =>
      lines.some(
        (l) => l.startsWith(name + "{") && labels.every((x) => l.includes(x)) && /\} \d+(\.\d+)?$/.test(l),
      );
    assert.ok(has("apiserver_request_total", 'code="201"', 'resource="configmaps"', 'verb="CREATE"'));
    assert.ok(
      has("apiserver_request_duration_seconds_bucket", 'resource="configmaps"', 'verb="LIST"', 'le="0.05"'),
    );
    assert.ok(has("etcd_request_duration_seconds_bucket", 'operation="create"', 'type="configmaps"'));
    assert.ok(has("apiserver_storage_objects", 'resource="configmaps"'));
    assert.ok(has("apiserver_storage_objects", 'resource="deployments.apps"'));
    assert.match(r.text, /apiserver_storage_revision \d+/);
    assert.match(r.text, /apiserver_watch_events_total \d+/);
  });
});
