// Bad input gets upstream's Status code and reason, the server stays up, and nothing stored changes.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer, type RunningServer } from "../support/server.ts";
import { Api } from "../support/api.ts";

let server: RunningServer;
let api: Api;
const pods = "/api/v1/namespaces/default/pods";

const pod = (name: string, extra: object = {}) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name },
  spec: { containers: [{ name: "c", image: "busybox" }] },
  ...extra,
});

async function stored(name: string): Promise<string> {
  const r = await api.send("GET", `${pods}/${name}`);
  assert.equal(r.status, 200);
  return r.text;
}

function assertStatus(
  r: { status: number; json(): any },
  code: number,
  reason: string,
  message?: RegExp,
): void {
  assert.equal(r.status, code);
  const s = r.json();
  assert.equal(s.kind, "Status");
  assert.equal(s.status, "Failure");
  assert.equal(s.code, code);
  assert.equal(s.reason, reason);
  if (message) assert.match(s.message, message);
}

before(async () => {
  server = await startServer();
  api = new Api(server.kubeconfig);
  const r = await api.send("POST", pods, pod("keep"));
  assert.equal(r.status, 201);
});

after(async () => {
  await server?.stop();
});

describe("requests without credentials", () => {
  test("get 401 with a Status body, except the health and version paths", async () => {
    const r = await api.send("GET", pods, undefined, {}, { anonymous: true });
    assertStatus(r, 401, "Unauthorized");
    const bad = await api.send("GET", pods, undefined, { Authorization: "Bearer nope" }, { anonymous: true });
    assertStatus(bad, 401, "Unauthorized");
    for (const p of ["/healthz", "/livez", "/readyz", "/version"]) {
      assert.equal((await api.send("GET", p, undefined, {}, { anonymous: true })).status, 200, p);
    }
  });
});

describe("malformed and wrong bodies", () => {
  test("malformed JSON is 400 BadRequest", async () => {
    assertStatus(
      await api.send("POST", pods, '{"apiVersion": "v1", "kind": "Pod", metadata'),
      400,
      "BadRequest",
    );
  });

  test("malformed YAML is 400 BadRequest", async () => {
    assertStatus(
      await api.send("POST", pods, "kind: Pod\n  - : : bad", { "Content-Type": "application/yaml" }),
      400,
      "BadRequest",
    );
  });

  test("a body of another kind or apiVersion is 400 BadRequest", async () => {
    assertStatus(await api.send("POST", pods, { ...pod("x"), kind: "Service" }), 400, "BadRequest", /kind/);
    assertStatus(
      await api.send("POST", pods, { ...pod("x"), apiVersion: "apps/v1" }),
      400,
      "BadRequest",
      /does not match the expected API version/,
    );
  });

  test("an unknown resource is 404 NotFound", async () => {
    assertStatus(await api.send("GET", "/api/v1/namespaces/default/nosuchthings"), 404, "NotFound");
    assertStatus(await api.send("GET", "/apis/nosuch.io/v1/things"), 404, "NotFound");
  });

  test("a body over the size limit is 413 RequestEntityTooLarge", async () => {
    const big = pod("big", { metadata: { name: "big", annotations: { a: "x".repeat(4 * 1024 * 1024) } } });
    assertStatus(await api.send("POST", pods, big), 413, "RequestEntityTooLarge");
  });

  test("an unsupported content type is 415", async () => {
    assertStatus(
      await api.send("POST", pods, "<pod/>", { "Content-Type": "application/xml" }),
      415,
      "UnsupportedMediaType",
    );
  });

  test("an invalid name is 422 Invalid with one cause per field", async () => {
    const r = await api.send("POST", pods, pod("Bad_Name"));
    assertStatus(r, 422, "Invalid", /Pod "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name"/);
    const causes = r.json().details.causes;
    assert.equal(causes[0].field, "metadata.name");
    assert.equal(causes[0].reason, "FieldValueInvalid");
  });

  test("a missing required field is 422 Invalid naming the field", async () => {
    const r = await api.send("POST", pods, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "noimage" },
      spec: { containers: [{ name: "c" }] },
    });
    assertStatus(r, 422, "Invalid", /spec\.containers\[0\]\.image: Required value/);
    const nameless = await api.send("POST", pods, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {},
      spec: { containers: [{ name: "c", image: "x" }] },
    });
    assertStatus(nameless, 422, "Invalid", /name or generateName is required/);
  });

  test("strict field validation rejects unknown fields with upstream's message", async () => {
    const r = await api.send(
      "POST",
      `${pods}?fieldValidation=Strict`,
      pod("strict", { spec: { containers: [{ name: "c", image: "x" }], foo: 1 } }),
    );
    assertStatus(r, 400, "BadRequest", /strict decoding error: unknown field "spec\.foo"/);
  });
});

describe("conflicts and patches", () => {
  test("a create of an existing name is 409 AlreadyExists", async () => {
    assertStatus(
      await api.send("POST", pods, pod("keep")),
      409,
      "AlreadyExists",
      /pods "keep" already exists/,
    );
  });

  test("an update with a stale resourceVersion is 409 Conflict and changes nothing", async () => {
    const before = await stored("keep");
    const obj = JSON.parse(before);
    obj.metadata.labels = { a: "b" };
    obj.metadata.resourceVersion = String(Number(obj.metadata.resourceVersion) - 1);
    assertStatus(await api.send("PUT", `${pods}/keep`, obj), 409, "Conflict", /the object has been modified/);
    assert.equal(await stored("keep"), before);
  });

  test("a JSON patch that does not apply fails and changes nothing", async () => {
    const before = await stored("keep");
    const r = await api.send(
      "PATCH",
      `${pods}/keep`,
      [{ op: "test", path: "/metadata/name", value: "other" }],
      {
        "Content-Type": "application/json-patch+json",
      },
    );
    assert.ok(r.status === 422 || r.status === 400, `status ${r.status}`);
    assert.equal(r.json().kind, "Status");
    const bad = await api.send("PATCH", `${pods}/keep`, "{not json", {
      "Content-Type": "application/merge-patch+json",
    });
    assertStatus(bad, 400, "BadRequest");
    assert.equal(await stored("keep"), before);
  });

  test("a patch that makes the object invalid is 422 and changes nothing", async () => {
    const before = await stored("keep");
    const r = await api.send(
      "PATCH",
      `${pods}/keep`,
      { spec: { containers: [{ name: "c", image: "" }] } },
      {
        "Content-Type": "application/merge-patch+json",
      },
    );
    assertStatus(r, 422, "Invalid");
    assert.equal(await stored("keep"), before);
  });

  test("a write to the main resource cannot change status; a status write cannot change spec", async () => {
    const obj = JSON.parse(await stored("keep"));
    obj.status = { phase: "Running" };
    obj.metadata.labels = { changed: "yes" };
    const r = await api.send("PUT", `${pods}/keep`, obj);
    assert.equal(r.status, 200);
    assert.equal(r.json().status.phase, "Pending");
    assert.equal(r.json().metadata.labels.changed, "yes");
    const s = await api.send(
      "PATCH",
      `${pods}/keep/status`,
      { status: { phase: "Running" }, spec: { activeDeadlineSeconds: 5 } },
      {
        "Content-Type": "application/merge-patch+json",
      },
    );
    assert.equal(s.status, 200);
    assert.equal(s.json().status.phase, "Running");
    assert.equal(s.json().spec.activeDeadlineSeconds, undefined);
  });
});

describe("the server stays up", () => {
  test("after all of the above it still answers", async () => {
    assert.equal((await api.send("GET", "/readyz")).status, 200);
    assert.equal((await api.send("GET", `${pods}/keep`)).status, 200);
  });
});
