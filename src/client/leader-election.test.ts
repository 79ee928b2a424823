import assert from "node:assert/strict";
import { test } from "node:test";
import type { KObject } from "../apimachinery/meta.ts";
import { alreadyExists, conflict } from "../apimachinery/status-error.ts";
import { FakeClock } from "../util/clock.ts";
import { silentLogger } from "../util/logger.ts";
import { RecordingClient } from "./fake-client.ts";
import type { ApiClient } from "./interface.ts";
import { LeaderElector } from "./leader-election.ts";
import type { ResourceRef } from "./rest-client.ts";

const qr = { group: "coordination.k8s.io", resource: "leases" };

/** A recording client that enforces what the API server does for Leases: unique create, rv-guarded update. */
class ConcurrencyClient extends RecordingClient {
  override async create(
    ref: ResourceRef,
    ns: string,
    obj: unknown,
    sub?: { name: string; subresource: string },
  ) {
    const name = (obj as KObject).metadata!.name!;
    if (this.objects.has(`${ref.group}/${ref.resource}/${ns}/${name}`)) throw alreadyExists(qr, name);
    return super.create(ref, ns, obj, sub);
  }

  override async update(ref: ResourceRef, ns: string, name: string, obj: unknown, sub?: string) {
    const cur = this.objects.get(`${ref.group}/${ref.resource}/${ns}/${name}`);
    if (cur?.metadata?.resourceVersion !== (obj as KObject).metadata?.resourceVersion)
      throw conflict(
        qr,
        name,
        "the object has been modified; please apply your changes to the latest version and try again",
      );
    return super.update(ref, ns, name, obj, sub);
  }
}

/** One candidate's view of the API: it can lose its network. */
function partitionable(inner: ApiClient): ApiClient & { down: boolean } {
  const c = {
    down: false,
    get: (...a: Parameters<ApiClient["get"]>) =>
      c.down ? Promise.reject(new Error("network down")) : inner.get(...a),
    create: (...a: Parameters<ApiClient["create"]>) =>
      c.down ? Promise.reject(new Error("network down")) : inner.create(...a),
    update: (...a: Parameters<ApiClient["update"]>) =>
      c.down ? Promise.reject(new Error("network down")) : inner.update(...a),
    list: inner.list.bind(inner),
    patch: inner.patch.bind(inner),
    delete: inner.delete.bind(inner),
    request: inner.request.bind(inner),
    watch: inner.watch.bind(inner),
  };
  return c as ApiClient & { down: boolean };
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

function candidate(client: ApiClient, clock: FakeClock, identity: string) {
  const elector = new LeaderElector({
    client,
    clock,
    logger: silentLogger,
    lease: { namespace: "kube-system", name: "kube-scheduler" },
    identity,
    releaseOnCancel: false,
  });
  const stop = new AbortController();
  const state = { leading: false, terms: 0 };
  const done = elector.run(stop.signal, async (signal) => {
    state.leading = true;
    state.terms++;
    await new Promise<void>((r) => signal.addEventListener("abort", () => r()));
    state.leading = false;
  });
  return { elector, stop, state, done };
}

const lease = (client: RecordingClient) =>
  client.objects.get("coordination.k8s.io/leases/kube-system/kube-scheduler")!.spec as any;

test("two candidates on one lease never both lead, and the second takes over when the first is cut off", async () => {
  const clock = new FakeClock();
  const api = new ConcurrencyClient();
  const netA = partitionable(api);
  const a = candidate(netA, clock, "a");
  await flush();
  const b = candidate(api, clock, "b");
  await flush();
  assert.equal(a.state.leading, true);
  assert.equal(b.state.leading, false);
  assert.equal(lease(api).holderIdentity, "a");
  assert.equal(lease(api).leaseDurationSeconds, 15);
  assert.equal(lease(api).leaseTransitions, 0);

  // A renews every 2s; B keeps trying and never gets it.
  for (let t = 0; t < 60; t++) {
    clock.advance(1000);
    await flush();
    assert.ok(!(a.state.leading && b.state.leading), `both lead at ${t}s`);
    assert.equal(b.state.leading, false);
  }
  const renewTime = Date.parse(lease(api).renewTime);
  assert.ok(renewTime >= clock.now().getTime() - 2000, "renewed within the last retry period");

  // A loses its network: it stops leading after the renew deadline; B leads after the lease duration.
  netA.down = true;
  const cutAt = clock.now().getTime();
  let aStoppedAt = -1;
  let bStartedAt = -1;
  for (let t = 1; t <= 40; t++) {
    clock.advance(1000);
    await flush();
    assert.ok(!(a.state.leading && b.state.leading), `both lead at ${t}s after the cut`);
    if (!a.state.leading && aStoppedAt < 0) aStoppedAt = t;
    if (b.state.leading && bStartedAt < 0) bStartedAt = t;
  }
  assert.ok(aStoppedAt > 0 && aStoppedAt <= 11, `a stopped leading after ${aStoppedAt}s`);
  // B measures 15s from when it saw the last renewal, and retries every 2-4.4s (jittered).
  assert.ok(bStartedAt >= 15 && bStartedAt <= 25, `b started leading after ${bStartedAt}s`);
  assert.equal(lease(api).holderIdentity, "b");
  assert.equal(lease(api).leaseTransitions, 1);
  assert.equal(
    Date.parse(lease(api).acquireTime),
    cutAt + bStartedAt * 1000,
    "acquireTime is when b took over",
  );
  await a.done;

  b.stop.abort();
  await b.done;
  assert.equal(b.state.leading, false);
});

test("when two candidates race for an expired lease exactly one wins", async () => {
  const clock = new FakeClock();
  const api = new ConcurrencyClient();
  const mk = (identity: string) =>
    new LeaderElector({
      client: api,
      clock,
      logger: silentLogger,
      lease: { namespace: "kube-system", name: "kcm" },
      identity,
    });
  const old = mk("old");
  assert.equal(await old.tryAcquireOrRenew(), true);
  const x = mk("x");
  const y = mk("y");
  assert.deepEqual(await Promise.all([x.tryAcquireOrRenew(), y.tryAcquireOrRenew()]), [false, false]);
  clock.advance(16_000);
  const won = await Promise.all([x.tryAcquireOrRenew(), y.tryAcquireOrRenew()]);
  assert.equal(won.filter(Boolean).length, 1, `results ${won}`);
});

test("a stopped leader releases the lease so that another takes over at once", async () => {
  const clock = new FakeClock();
  const api = new ConcurrencyClient();
  const elector = new LeaderElector({
    client: api,
    clock,
    logger: silentLogger,
    lease: { namespace: "kube-system", name: "kcm" },
    identity: "first",
  });
  const stop = new AbortController();
  const done = elector.run(
    stop.signal,
    (signal) => new Promise((r) => signal.addEventListener("abort", () => r())),
  );
  await flush();
  stop.abort();
  await done;
  const spec = api.objects.get("coordination.k8s.io/leases/kube-system/kcm")!.spec as any;
  assert.equal(spec.holderIdentity, undefined);
  const next = new LeaderElector({
    client: api,
    clock,
    logger: silentLogger,
    lease: { namespace: "kube-system", name: "kcm" },
    identity: "second",
  });
  assert.equal(await next.tryAcquireOrRenew(), true);
});
