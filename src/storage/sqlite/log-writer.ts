import type { DatabaseSync, StatementSync } from "node:sqlite";
import { type KeyValue, StorageError, type StorageErrorCode, type StoreEvent } from "../types.ts";
import { readMeta, writeMeta } from "./schema.ts";

export interface Row {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: string;
}

export type WriteOp =
  | { kind: "create"; key: string; value: string }
  | { kind: "update"; key: string; value: string; expected: number }
  | { kind: "delete"; key: string; expected: number };

/** One write's result as plain data, so that it crosses a thread boundary unchanged. */
export type WriteOutcome =
  | { ok: true; event: StoreEvent }
  | { ok: false; code: StorageErrorCode; key: string; current?: KeyValue }
  | { ok: false; message: string };

export interface BatchResult {
  /** The revision after the batch. */
  revision: number;
  outcomes: WriteOutcome[];
}

export const compactedKey = "compact_revision";
/** How far compaction has actually deleted rows; behind compactedKey only after a crash mid-compaction. */
export const compactDoneKey = "compact_done";
/** Revisions per compaction step; other writes run between steps. */
export const compactChunk = 1000;

export function rowToKv(row: Pick<Row, "id" | "name" | "create_revision" | "value">): KeyValue {
  return { key: row.name, value: row.value, createRevision: row.create_revision, modRevision: row.id };
}

export function outcomeError(o: Exclude<WriteOutcome, { ok: true }>): Error {
  return "code" in o ? new StorageError(o.code, o.key, { current: o.current }) : new Error(o.message);
}

/**
 * The writing side of the revision log: checks each write's guard against the log and appends its
 * row, a batch per transaction. It owns the write connection, on the main thread or a worker.
 */
export class LogWriter {
  private readonly db: DatabaseSync;
  private readonly latestStmt: StatementSync;
  private readonly insertStmt: StatementSync;
  private readonly compactPrevStmt: StatementSync;
  private readonly compactTombstonesStmt: StatementSync;

  constructor(db: DatabaseSync) {
    this.db = db;
    this.latestStmt = db.prepare(
      "SELECT id, name, created, deleted, create_revision, prev_revision, value FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1",
    );
    this.insertStmt = db.prepare(
      "INSERT INTO kv (id, name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    this.compactPrevStmt = db.prepare(
      "DELETE FROM kv WHERE id IN (SELECT prev_revision FROM kv WHERE id > ? AND id <= ? AND prev_revision > 0)",
    );
    this.compactTombstonesStmt = db.prepare("DELETE FROM kv WHERE id > ? AND id <= ? AND deleted = 1");
  }

  /**
   * One group commit: every write with its own guard, all in one transaction, revisions counting on
   * from base (the caller's last committed revision; one writer at a time). Throws if the
   * transaction fails, having rolled it back.
   */
  commit(ops: WriteOp[], base: number): BatchResult {
    const outcomes: WriteOutcome[] = [];
    let rev = base;
    try {
      this.db.exec("BEGIN IMMEDIATE");
      for (const op of ops) {
        try {
          const event = this.apply(op, rev + 1);
          rev++;
          outcomes.push({ ok: true, event });
        } catch (err) {
          outcomes.push(
            err instanceof StorageError
              ? { ok: false, code: err.code, key: err.key, current: err.current }
              : { ok: false, message: err instanceof Error ? err.message : String(err) },
          );
        }
      }
      this.db.exec("COMMIT");
    } catch (err) {
      if (this.db.isTransaction) {
        try {
          this.db.exec("ROLLBACK");
        } catch {
          // The transaction is already gone.
        }
      }
      throw err;
    }
    return { revision: rev, outcomes };
  }

  /** Publishes the compacted revision, then deletes history up to it one step at a time. */
  startCompaction(target: number): void {
    if (target > readMeta(this.db, compactedKey)) writeMeta(this.db, compactedKey, target);
  }

  /** One step of compaction; returns false once nothing is left to delete. */
  compactStep(): boolean {
    const target = readMeta(this.db, compactedKey);
    const done = readMeta(this.db, compactDoneKey);
    if (done >= target) return false;
    const upTo = Math.min(done + compactChunk, target);
    this.db.exec("BEGIN IMMEDIATE");
    try {
      // Rows replaced by a write at or before the target, then tombstones at or before it
      // (a tombstone's own predecessor is removed by the first statement).
      this.compactPrevStmt.run(done, upTo);
      this.compactTombstonesStmt.run(done, upTo);
      writeMeta(this.db, compactDoneKey, upTo);
      this.db.exec("COMMIT");
    } catch (err) {
      if (this.db.isTransaction) this.db.exec("ROLLBACK");
      throw err;
    }
    return upTo < target;
  }

  private apply(op: WriteOp, revision: number): StoreEvent {
    const latest = this.latestStmt.get(op.key) as Row | undefined;
    const live = latest && !latest.deleted ? latest : undefined;
    if (op.kind === "create") {
      if (live) throw new StorageError("KeyExists", op.key);
      this.insert(op.key, revision, 1, 0, revision, latest?.id ?? 0, op.value);
      const kv = { key: op.key, value: op.value, createRevision: revision, modRevision: revision };
      return { type: "create", key: op.key, revision, kv };
    }
    if (!live) throw new StorageError("NotFound", op.key);
    const prev = rowToKv(live);
    if (op.kind === "update" || op.expected !== 0) {
      if (live.id !== op.expected) throw new StorageError("Conflict", op.key, { current: prev });
    }
    const value = op.kind === "update" ? op.value : live.value;
    this.insert(op.key, revision, 0, op.kind === "delete" ? 1 : 0, live.create_revision, live.id, value);
    const kv = { key: op.key, value, createRevision: live.create_revision, modRevision: revision };
    return { type: op.kind, key: op.key, revision, kv, prev };
  }

  private insert(
    key: string,
    id: number,
    created: number,
    deleted: number,
    createRevision: number,
    prevRevision: number,
    value: string,
  ): void {
    try {
      this.insertStmt.run(id, key, created, deleted, createRevision, prevRevision, value);
    } catch (err) {
      // Only reachable if another process wrote the file behind our back: the unique
      // (name, prev_revision) index refuses the second write from the same base.
      if (err instanceof Error && /UNIQUE/.test(err.message)) {
        const row = this.latestStmt.get(key) as Row | undefined;
        throw new StorageError("Conflict", key, { current: row && !row.deleted ? rowToKv(row) : undefined });
      }
      throw err;
    }
  }
}
