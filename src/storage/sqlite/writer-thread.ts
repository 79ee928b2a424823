// The worker that owns the SQLite write connection (see WorkerCommitter).
import { DatabaseSync } from "node:sqlite";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { type BatchResult, LogWriter, type WriteOp } from "./log-writer.ts";
import { openSchema } from "./schema.ts";

export type WorkerRequest =
  | { id: number; kind: "ping" }
  | { id: number; kind: "commit"; ops: WriteOp[]; base: number }
  | { id: number; kind: "compact"; target: number }
  | { id: number; kind: "close" };

export type WorkerReply = { id: number; result: BatchResult | null } | { id: number; error: string };

if (!isMainThread && parentPort) {
  const port = parentPort;
  const { path } = workerData as { path: string };
  const db = new DatabaseSync(path);
  openSchema(db, path);
  const writer = new LogWriter(db);
  let closing = false;
  let compaction: Promise<void> = Promise.resolve();

  const reply = (id: number, run: () => BatchResult | null) => {
    try {
      port.postMessage({ id, result: run() } satisfies WorkerReply);
    } catch (err) {
      port.postMessage({ id, error: err instanceof Error ? err.message : String(err) } satisfies WorkerReply);
    }
  };

  // Each step is its own transaction; commits that arrive meanwhile run between the steps.
  const compact = async (target: number) => {
    writer.startCompaction(target);
    while (!closing && writer.compactStep()) await yieldToLoop();
  };

  port.on("message", (req: WorkerRequest) => {
    if (req.kind === "ping") {
      reply(req.id, () => null);
    } else if (req.kind === "commit") {
      reply(req.id, () => writer.commit(req.ops, req.base));
    } else if (req.kind === "compact") {
      compaction = compaction.then(() =>
        compact(req.target).then(
          () => reply(req.id, () => null),
          (err: unknown) =>
            reply(req.id, () => {
              throw err;
            }),
        ),
      );
    } else {
      closing = true;
      void compaction.then(() => {
        db.close();
        reply(req.id, () => null);
        port.close();
      });
    }
  });
}
