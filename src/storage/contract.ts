// The behaviour every storage backend must show; each backend's test file runs it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StorageError, type Store, type StoreEvent } from "./types.ts";

interface Collector {
  events: StoreEvent[];
  errors: StorageError[];
  /** Resolves once pred holds for what has arrived; rejects after a generous safety limit. */
  until(pred: (c: Collector) => boolean, what: string): Promise<void>;
  stop(): void;
}

function collect(store: Store, prefix: string, afterRevision: number): Collector {
  const ac = new AbortController();
  const waiters: Array<() => boolean> = [];
  const c: Collector = {
    events: [],
    errors: [],
    until(pred, what) {
      if (pred(c)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`watch: timed out waiting for ${what}; got ${c.events.length} events`));
        }, 15_000);
        const check = () => {
          if (!pred(c)) return false;
          clearTimeout(timer);
          resolve();
          return true;
        };
        waiters.push(check);
      });
    },
    stop: () => ac.abort(),
  };
  const wake = () => {
    for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i]()) waiters.splice(i, 1);
  };
  store.watch(prefix, afterRevision, ac.signal, {
    onEvents(events) {
      c.events.push(...events);
      wake();
    },
    onError(err) {
      c.errors.push(err);
      wake();
    },
  });
  return c;
}

async function rejectsWith(p: Promise<unknown>, code: StorageError["code"]): Promise<StorageError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof StorageError, `expected StorageError ${code}, got ${String(err)}`);
    assert.equal(err.code, code);
    return err;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

function assertStrictlyIncreasing(events: StoreEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    assert.ok(
      events[i].revision > events[i - 1].revision,
      `event ${i} at revision ${events[i].revision} follows ${events[i - 1].revision}`,
    );
  }
}

export function storeContract(
  name: string,
  open: () => Promise<Store>,
  dispose: (s: Store) => Promise<void> = (s) => s.close(),
): void {
  const withStore = (title: string, fn: (s: Store) => Promise<void>): void =>
    void test(`${name}: ${title}`, async () => {
      const s = await open();
      try {
        await fn(s);
      } finally {
        await dispose(s);
      }
    });

  withStore("create then get; a second create fails with KeyExists", async (s) => {
    const before = await s.currentRevision();
    const kv = await s.create("/registry/pods/default/a", '{"a":1}');
    assert.ok(kv.modRevision > before);
    assert.equal(kv.createRevision, kv.modRevision);
    assert.equal(await s.currentRevision(), kv.modRevision);
    assert.deepEqual(await s.get("/registry/pods/default/a"), kv);
    await rejectsWith(s.create("/registry/pods/default/a", "{}"), "KeyExists");
    assert.equal(await s.get("/registry/pods/default/b"), undefined);
  });

  withStore("update with the current revision succeeds; a stale one is a Conflict", async (s) => {
    const v1 = await s.create("/k/a", "1");
    const v2 = await s.update("/k/a", "2", v1.modRevision);
    assert.ok(v2.modRevision > v1.modRevision);
    assert.equal(v2.createRevision, v1.createRevision);
    assert.equal(v2.value, "2");
    const err = await rejectsWith(s.update("/k/a", "3", v1.modRevision), "Conflict");
    assert.deepEqual(err.current, v2);
    assert.equal((await s.get("/k/a"))?.value, "2");
    await rejectsWith(s.update("/k/missing", "1", v1.modRevision), "NotFound");
  });

  withStore("delete: guarded and unguarded, NotFound when absent, re-create afterwards", async (s) => {
    const a = await s.create("/k/a", "A");
    await rejectsWith(s.delete("/k/a", a.modRevision + 1000), "Conflict");
    const gone = await s.delete("/k/a", a.modRevision);
    assert.equal(gone.value, "A");
    assert.equal(gone.createRevision, a.createRevision);
    assert.ok(gone.modRevision > a.modRevision, "a delete is a new revision");
    assert.equal(await s.get("/k/a"), undefined);
    await rejectsWith(s.delete("/k/a", 0), "NotFound");
    await rejectsWith(s.update("/k/a", "B", a.modRevision), "NotFound");

    const b = await s.create("/k/b", "B");
    assert.equal((await s.delete("/k/b", 0)).value, "B");
    assert.equal(await s.get("/k/b"), undefined);

    const again = await s.create("/k/a", "A2");
    assert.ok(again.createRevision > gone.modRevision);
    assert.equal(again.createRevision, again.modRevision);
    assert.ok(b.modRevision > 0);
  });

  withStore("list by prefix: ordered by key, prefix boundaries respected", async (s) => {
    await s.create("/registry/podsx/default/z", "x");
    await s.create("/registry/pods/ns2/b", "b");
    await s.create("/registry/pods/ns1/a", "a");
    await s.create("/registry/pod", "p");
    await s.create("/registry/services/ns1/a", "s");
    const r = await s.list("/registry/pods/");
    assert.deepEqual(
      r.items.map((kv) => kv.key),
      ["/registry/pods/ns1/a", "/registry/pods/ns2/b"],
    );
    assert.equal(r.more, false);
    assert.equal(r.revision, await s.currentRevision());
    assert.equal(await s.count("/registry/pods/"), 2);
    assert.deepEqual(
      (await s.list("/registry/pods/ns1/")).items.map((kv) => kv.value),
      ["a"],
    );
    assert.deepEqual((await s.list("/registry/none/")).items, []);
  });

  withStore("list at an older revision sees the state of that revision", async (s) => {
    const a1 = await s.create("/k/a", "a1");
    await s.create("/k/b", "b1");
    const then = await s.currentRevision();
    await s.update("/k/a", "a2", a1.modRevision);
    await s.delete("/k/b", 0);
    await s.create("/k/c", "c1");

    const old = await s.list("/k/", { revision: then });
    assert.equal(old.revision, then);
    assert.deepEqual(
      old.items.map((kv) => [kv.key, kv.value, kv.modRevision]),
      [
        ["/k/a", "a1", a1.modRevision],
        ["/k/b", "b1", then],
      ],
    );
    const now = await s.list("/k/");
    assert.deepEqual(
      now.items.map((kv) => [kv.key, kv.value]),
      [
        ["/k/a", "a2"],
        ["/k/c", "c1"],
      ],
    );
    assert.equal(await s.count("/k/"), 2);
  });

  withStore("list pages with limit and after, consistent at one revision", async (s) => {
    const keys: string[] = [];
    for (let i = 0; i < 10; i++) {
      const key = `/k/item-${String(i).padStart(2, "0")}`;
      keys.push(key);
      await s.create(key, String(i));
    }
    const first = await s.list("/k/", { limit: 4 });
    assert.deepEqual(
      first.items.map((kv) => kv.key),
      keys.slice(0, 4),
    );
    assert.equal(first.more, true);
    assert.equal(first.remaining, 6);
    // Changes after the first page must not show up in later pages read at its revision.
    await s.create("/k/item-05a", "new");
    await s.delete(keys[9], 0);

    const seen = [...first.items.map((kv) => kv.key)];
    let after = seen[seen.length - 1];
    for (;;) {
      const page = await s.list("/k/", { limit: 4, after, revision: first.revision });
      assert.equal(page.revision, first.revision);
      seen.push(...page.items.map((kv) => kv.key));
      if (!page.more) break;
      assert.ok(page.items.length === 4);
      after = page.items[page.items.length - 1].key;
    }
    assert.deepEqual(seen, keys);
    const exact = await s.list("/k/", { limit: 11 });
    assert.equal(exact.more, false);
    assert.equal(exact.items.length, 10);
  });

  withStore("concurrent updates from the same base: exactly one wins", async (s) => {
    const base = await s.create("/k/a", "0");
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => s.update("/k/a", String(i + 1), base.modRevision)),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    assert.equal(won.length, 1);
    for (const r of results) {
      if (r.status === "rejected") {
        assert.ok(r.reason instanceof StorageError);
        assert.equal(r.reason.code, "Conflict");
      }
    }
    assert.equal(
      (await s.get("/k/a"))?.value,
      (won[0] as PromiseFulfilledResult<{ value: string }>).value.value,
    );

    const creates = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => s.create("/k/b", String(i))),
    );
    assert.equal(creates.filter((r) => r.status === "fulfilled").length, 1);
  });

  withStore("watch replays history from a revision, then follows live changes", async (s) => {
    const start = await s.currentRevision();
    const a = await s.create("/w/a", "a1");
    const a2 = await s.update("/w/a", "a2", a.modRevision);
    await s.create("/other/x", "x");
    const del = await s.delete("/w/a", 0);

    const c = collect(s, "/w/", start);
    await c.until((x) => x.events.length >= 3, "the replayed history");
    assert.deepEqual(
      c.events.map((e) => [e.type, e.key, e.revision, e.kv.value]),
      [
        ["create", "/w/a", a.modRevision, "a1"],
        ["update", "/w/a", a2.modRevision, "a2"],
        ["delete", "/w/a", del.modRevision, "a2"],
      ],
    );
    assert.equal(c.events[0].prev, undefined);
    assert.deepEqual(c.events[1].prev, a);
    assert.deepEqual(c.events[2].prev, a2);
    assert.equal(c.events[2].kv.modRevision, del.modRevision);

    const b = await s.create("/w/b", "b1");
    await c.until((x) => x.events.length >= 4, "the live create");
    assert.deepEqual(c.events[3].kv, b);
    c.stop();
    assert.deepEqual(c.errors, []);
  });

  withStore("watch from a revision under concurrent writes: no gap, no duplicate", async (s) => {
    const acked: number[] = [];
    const writer = async (w: number) => {
      for (let i = 0; i < 25; i++) {
        const kv = await s.create(`/c/w${w}-${i}`, "{}");
        acked.push(kv.modRevision);
        const up = await s.update(kv.key, '{"x":1}', kv.modRevision);
        acked.push(up.modRevision);
      }
    };
    const start = await s.currentRevision();
    const early = collect(s, "/c/", start);
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    // A second watch joins while writes are in flight, from a revision already in the past.
    while (acked.length < 100) await new Promise((r) => setImmediate(r));
    const from = Math.min(...acked.slice(40, 60));
    const late = collect(s, "/c/", from);
    const noise = s.create("/d/unrelated", "{}");
    await Promise.all([...writers, noise]);

    const all = [...acked].sort((x, y) => x - y);
    await early.until((x) => x.events.length >= all.length, "all writes on the early watch");
    await late.until(
      (x) => x.events.length >= all.filter((r) => r > from).length,
      "all later writes on the late watch",
    );
    // Give stray duplicates a chance to arrive before the final comparison.
    await new Promise((r) => setTimeout(r, 50));
    assertStrictlyIncreasing(early.events);
    assertStrictlyIncreasing(late.events);
    assert.deepEqual(
      early.events.map((e) => e.revision),
      all,
    );
    assert.deepEqual(
      late.events.map((e) => e.revision),
      all.filter((r) => r > from),
    );
    assert.ok(early.events.every((e) => e.key.startsWith("/c/")));
    early.stop();
    late.stop();
  });

  withStore("compaction: old revisions are gone for list and watch, current state is intact", async (s) => {
    const a = await s.create("/p/a", "a1");
    await s.create("/p/b", "b1");
    const old = await s.currentRevision();
    await s.update("/p/a", "a2", a.modRevision);
    await s.delete("/p/b", 0);
    const c1 = await s.create("/p/c", "c1");
    await s.compact(c1.modRevision);
    await s.update("/p/c", "c2", c1.modRevision);

    assert.ok((await s.compactedRevision()) >= c1.modRevision);
    const err = await rejectsWith(s.list("/p/", { revision: old }), "Compacted");
    assert.ok((err.compactedRevision ?? 0) >= c1.modRevision);

    const w = collect(s, "/p/", old);
    await w.until((x) => x.errors.length > 0, "the Compacted error");
    assert.equal(w.errors[0].code, "Compacted");
    assert.deepEqual(w.events, []);

    assert.deepEqual(
      (await s.list("/p/")).items.map((kv) => [kv.key, kv.value]),
      [
        ["/p/a", "a2"],
        ["/p/c", "c2"],
      ],
    );
    assert.deepEqual(
      (await s.list("/p/", { revision: c1.modRevision })).items.map((kv) => [kv.key, kv.value]),
      [
        ["/p/a", "a2"],
        ["/p/c", "c1"],
      ],
    );
    const after = collect(s, "/p/", c1.modRevision);
    await after.until((x) => x.events.length >= 1, "the update after compaction");
    assert.deepEqual(
      after.events.map((e) => [e.type, e.kv.value, e.prev?.value]),
      [["update", "c2", "c1"]],
    );
    after.stop();
  });

  withStore("watch from a revision not reached yet starts after it", async (s) => {
    const now = await s.currentRevision();
    const c = collect(s, "/f/", now + 2);
    await s.create("/f/1", "1");
    await s.create("/f/2", "2");
    const third = await s.create("/f/3", "3");
    await c.until((x) => x.events.length >= 1, "the third write");
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      c.events.map((e) => e.revision),
      [third.modRevision],
    );
    c.stop();
  });

  withStore("an aborted watch receives nothing more", async (s) => {
    const start = await s.currentRevision();
    const c = collect(s, "/a/", start);
    await s.create("/a/1", "1");
    await c.until((x) => x.events.length === 1, "the first event");
    c.stop();
    await s.create("/a/2", "2");
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(c.events.length, 1);
    assert.deepEqual(c.errors, []);
  });
}
