import { DatabaseSync, type StatementSync } from "node:sqlite";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { prefixEnd } from "../key-range.ts";
import {
  type KeyValue,
  type ListOptions,
  type ListResult,
  StorageError,
  type Store,
  type StoreEvent,
  type WatchHandlers,
} from "../types.ts";
import { AdaptiveCommitter, type AdaptiveOptions, type Committer, InlineCommitter } from "./committer.ts";
import { compactedKey, outcomeError, type Row, rowToKv, type WriteOp } from "./log-writer.ts";
import { openSchema, readLastRevision, readMeta } from "./schema.ts";
import { SqliteWatcher } from "./sqlite-watcher.ts";

interface HistoryRow extends Row {
  prev_id: number | null;
  prev_create_revision: number | null;
  prev_value: string | null;
}

interface PendingWrite {
  op: WriteOp;
  resolve(kv: KeyValue): void;
  reject(err: unknown): void;
}

/** Bounds one group commit. */
const maxBatch = 2000;
/** Rows per step of a watch replay; the event loop runs between steps. */
const defaultReplayPage = 1000;

export interface SqliteStoreOptions {
  /** Rows per step of a watch replay (tests use tiny pages so replays interleave with commits). */
  replayPageSize?: number;
  /**
   * Where a file's commits run: on the calling thread, or on a worker thread while writes are many
   * (the default, tuned by the adaptive options). In-memory databases always commit inline.
   */
  writer?: "inline" | ({ kind: "adaptive" } & AdaptiveOptions);
}

/** Above every key: keys are ASCII paths, and no UTF-8 text sorts after U+10FFFF. */
const keySpaceEnd = String.fromCodePoint(0x10ffff);

/**
 * The embedded store: an append-only revision log in SQLite. One process owns the file; the
 * current revision is kept in memory and every write goes through this object.
 *
 * Writes are group-committed: one batch at a time is committing, and all writes queued meanwhile
 * form the next one, each with its own guard; their promises resolve after COMMIT (fsynced).
 * A file's commits move to a worker thread while writes are many (see AdaptiveCommitter).
 * A list or get at a revision above the current one reads at the current revision; the result's
 * revision says which.
 */
export class SqliteStore implements Store {
  readonly name = "sqlite";
  private readonly db: DatabaseSync;
  private rev: number;
  private compactRev: number;
  private queue: PendingWrite[] = [];
  private flushScheduled = false;
  private inFlight?: Promise<void>;
  private readonly committer: Committer;
  private closing = false;
  private closed = false;
  private readonly watchers = new Set<SqliteWatcher>();
  private compaction: Promise<void> = Promise.resolve();
  private readonly latestStmt: StatementSync;
  private readonly listStmt: StatementSync;
  private readonly countStmt: StatementSync;
  private readonly historyStmt: StatementSync;

  private readonly replayPage: number;

  private constructor(path: string, opts: SqliteStoreOptions) {
    this.replayPage = opts.replayPageSize ?? defaultReplayPage;
    this.db = new DatabaseSync(path);
    openSchema(this.db, path);
    this.rev = readLastRevision(this.db);
    this.compactRev = readMeta(this.db, compactedKey);
    this.latestStmt = this.db.prepare(
      "SELECT id, name, created, deleted, create_revision, prev_revision, value FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1",
    );
    // Walks the (name, id) index in key order and keeps the newest row of each key at the
    // revision, so LIMIT stops the scan early instead of grouping the whole prefix first.
    this.listStmt = this.db.prepare(
      `SELECT k.id, k.name, k.create_revision, k.value FROM kv AS k INDEXED BY kv_name_id
       WHERE k.name >= ?1 AND k.name > ?2 AND k.name < ?3 AND k.id <= ?4 AND k.deleted = 0
         AND k.id = (SELECT MAX(m.id) FROM kv AS m WHERE m.name = k.name AND m.id <= ?4)
       ORDER BY k.name LIMIT ?5`,
    );
    this.countStmt = this.db.prepare(
      `SELECT COUNT(*) AS n FROM kv AS k INDEXED BY kv_name_id
       WHERE k.name >= ?1 AND k.name > ?2 AND k.name < ?3 AND k.id <= ?4 AND k.deleted = 0
         AND k.id = (SELECT MAX(m.id) FROM kv AS m WHERE m.name = k.name AND m.id <= ?4)`,
    );
    // NOT INDEXED keeps the scan on the rowid (revision) range rather than the whole key prefix.
    this.historyStmt = this.db.prepare(
      `SELECT k.id, k.name, k.created, k.deleted, k.create_revision, k.prev_revision, k.value,
              p.id AS prev_id, p.create_revision AS prev_create_revision, p.value AS prev_value
       FROM kv AS k NOT INDEXED LEFT JOIN kv AS p ON p.id = k.prev_revision
       WHERE k.id > ?1 AND k.id <= ?2 AND k.name >= ?3 AND k.name < ?4
       ORDER BY k.id LIMIT ?5`,
    );
    this.committer =
      path === ":memory:" || opts.writer === "inline"
        ? new InlineCommitter(this.db)
        : new AdaptiveCommitter(this.db, path, opts.writer);
  }

  /** Opens (creating if needed) the store in a file, or in memory for ":memory:". */
  static open(path: string, opts: SqliteStoreOptions = {}): SqliteStore {
    return new SqliteStore(path, opts);
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen(key);
    const row = this.latestStmt.get(key) as Row | undefined;
    if (!row || row.deleted) return undefined;
    return rowToKv(row);
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.assertOpen(prefix);
    const at = this.readRevision(prefix, opts.revision);
    const end = prefixEnd(prefix) ?? keySpaceEnd;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const rows = this.listStmt.all(
      prefix,
      opts.after ?? "",
      end,
      at,
      limit > 0 ? limit + 1 : -1,
    ) as unknown as Row[];
    const more = limit > 0 && rows.length > limit;
    if (more) rows.length = limit;
    const items = rows.map(rowToKv);
    let remaining: number | undefined;
    if (more) {
      const last = items[items.length - 1].key;
      remaining = (this.countStmt.get(prefix, last, end, at) as { n: number }).n;
    } else {
      remaining = 0;
    }
    return { items, revision: at, more, remaining };
  }

  async count(prefix: string): Promise<number> {
    this.assertOpen(prefix);
    const end = prefixEnd(prefix) ?? keySpaceEnd;
    return (this.countStmt.get(prefix, "", end, this.rev) as { n: number }).n;
  }

  create(key: string, value: string): Promise<KeyValue> {
    return this.enqueue({ kind: "create", key, value });
  }

  update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    return this.enqueue({ kind: "update", key, value, expected: expectedRevision });
  }

  delete(key: string, expectedRevision: number): Promise<KeyValue> {
    return this.enqueue({ kind: "delete", key, expected: expectedRevision });
  }

  watch(prefix: string, afterRevision: number, signal: AbortSignal, handlers: WatchHandlers): void {
    if (signal.aborted) return;
    const w = new SqliteWatcher(prefix, afterRevision, this.rev, handlers);
    if (this.closing) {
      queueMicrotask(() => w.fail(new StorageError("Unavailable", prefix)));
      return;
    }
    if (afterRevision < this.compactRev) {
      const compactedRevision = this.compactRev;
      queueMicrotask(() => w.fail(new StorageError("Compacted", prefix, { compactedRevision })));
      return;
    }
    // Registered before any await: every commit from now on is held until the replay is done.
    this.watchers.add(w);
    signal.addEventListener(
      "abort",
      () => {
        w.stopped = true;
        this.watchers.delete(w);
      },
      { once: true },
    );
    void this.replay(w);
  }

  /** Where commits have run so far: "worker" and "inline" for each move (adaptive writers only). */
  writerSwitches(): readonly string[] {
    return this.committer instanceof AdaptiveCommitter ? this.committer.switches : [];
  }

  async currentRevision(): Promise<number> {
    return this.rev;
  }

  async compactedRevision(): Promise<number> {
    return this.compactRev;
  }

  compact(revision: number): Promise<void> {
    const next = this.compaction.then(() => this.compactTo(revision));
    // A failed compaction must not wedge the ones queued after it.
    this.compaction = next.catch(() => {});
    return next;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    while (this.inFlight || this.queue.length > 0) {
      if (!this.inFlight) this.flush();
      await this.inFlight;
    }
    await this.compaction;
    await this.committer.close();
    for (const w of this.watchers) w.fail(new StorageError("Unavailable", w.prefix));
    this.watchers.clear();
    this.closed = true;
    this.db.close();
  }

  private assertOpen(key: string): void {
    if (this.closed) throw new StorageError("Unavailable", key);
  }

  private readRevision(key: string, requested: number | undefined): number {
    if (!requested || requested <= 0) return this.rev;
    if (requested < this.compactRev) {
      throw new StorageError("Compacted", key, { compactedRevision: this.compactRev });
    }
    return Math.min(requested, this.rev);
  }

  private enqueue(op: WriteOp): Promise<KeyValue> {
    if (this.closing) return Promise.reject(new StorageError("Unavailable", op.key));
    return new Promise<KeyValue>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.inFlight) return;
    this.flushScheduled = true;
    // setImmediate, not a microtask: requests read in the same I/O phase join the batch.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Sends one group commit; the writes that queue up while it runs form the next. */
  private flush(): void {
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue.length > maxBatch ? this.queue.splice(0, maxBatch) : this.queue;
    if (batch === this.queue) this.queue = [];
    this.inFlight = this.committer
      .commit(
        batch.map((p) => p.op),
        this.rev,
      )
      .then(
        (result) => {
          this.rev = result.revision;
          const events: StoreEvent[] = [];
          for (const o of result.outcomes) if (o.ok) events.push(o.event);
          if (events.length > 0) for (const w of this.watchers) w.offer(events);
          batch.forEach((p, i) => {
            const o = result.outcomes[i];
            if (o.ok) p.resolve(o.event.kv);
            else p.reject(outcomeError(o));
          });
        },
        (err: unknown) => {
          // Rolled back; but if the writer died after COMMIT, the log is ahead of what we know.
          this.rev = Math.max(this.rev, readLastRevision(this.db));
          for (const p of batch) p.reject(err);
        },
      )
      .finally(() => {
        this.inFlight = undefined;
        if (this.queue.length > 0) this.scheduleFlush();
      });
  }

  private async replay(w: SqliteWatcher): Promise<void> {
    const end = prefixEnd(w.prefix) ?? keySpaceEnd;
    // Let watch() return before the first events arrive.
    await Promise.resolve();
    while (!w.stopped) {
      if (w.position < this.compactRev) {
        this.watchers.delete(w);
        w.fail(new StorageError("Compacted", w.prefix, { compactedRevision: this.compactRev }));
        return;
      }
      const rows = this.historyStmt.all(
        w.position,
        w.startRevision,
        w.prefix,
        end,
        this.replayPage,
      ) as unknown as HistoryRow[];
      w.replayed(rows.map(historyRowToEvent));
      if (rows.length < this.replayPage) break;
      w.position = rows[rows.length - 1].id;
      await yieldToLoop();
    }
    w.position = w.startRevision;
    w.goLive();
  }

  private async compactTo(revision: number): Promise<void> {
    if (this.closing) return;
    const target = Math.min(revision, this.rev);
    // Published first: from here on, reads and watches below target fail instead of seeing
    // a log with holes in it.
    if (target > this.compactRev) this.compactRev = target;
    await this.committer.compact(this.compactRev);
  }
}

function historyRowToEvent(row: HistoryRow): StoreEvent {
  const kv = rowToKv(row);
  if (row.created) return { type: "create", key: row.name, revision: row.id, kv };
  const prev: KeyValue | undefined =
    row.prev_id !== null
      ? {
          key: row.name,
          value: row.prev_value ?? "",
          createRevision: row.prev_create_revision ?? 0,
          modRevision: row.prev_id,
        }
      : undefined;
  return { type: row.deleted ? "delete" : "update", key: row.name, revision: row.id, kv, prev };
}
