import type { DatabaseSync } from "node:sqlite";

// One row per write; the row id is the revision. A tombstone row (deleted = 1) keeps the last
// value so that delete events can carry it. prev_revision links a row to the one it replaced;
// the unique (name, prev_revision) index makes two writes from the same base collide.
const schema = `
CREATE TABLE IF NOT EXISTS kv (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS kv_name_id ON kv (name, id);
CREATE UNIQUE INDEX IF NOT EXISTS kv_name_prev_revision ON kv (name, prev_revision);
CREATE TABLE IF NOT EXISTS meta (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
`;

export function openSchema(db: DatabaseSync, path: string): void {
  if (path !== ":memory:") {
    db.exec("PRAGMA journal_mode = WAL");
  }
  // FULL: the WAL is fsynced at every COMMIT, so an acknowledged write survives a crash.
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA busy_timeout = 5000");
  db.exec(schema);
}

export function readMeta(db: DatabaseSync, name: string): number {
  const row = db.prepare("SELECT value FROM meta WHERE name = ?").get(name) as { value: number } | undefined;
  return row?.value ?? 0;
}

export function writeMeta(db: DatabaseSync, name: string, value: number): void {
  db.prepare(
    "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
  ).run(name, value);
}

/** The highest revision ever assigned; compaction may have removed its row, the sequence remembers it. */
export function readLastRevision(db: DatabaseSync): number {
  const row = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'kv'").get() as
    { seq: number } | undefined;
  return row?.seq ?? 0;
}
