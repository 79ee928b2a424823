import { DatabaseSync } from "node:sqlite";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import type { BatchResult, WriteOp } from "./log-writer.ts";
import { LogWriter } from "./log-writer.ts";
import type { WorkerReply, WorkerRequest } from "./writer-thread.ts";

/** Where the log's writes run: the same thread, or a worker so that commits and fsyncs leave the event loop free. */
export interface Committer {
  commit(ops: WriteOp[]): Promise<BatchResult>;
  /** Publishes target as compacted and deletes history up to it. */
  compact(target: number): Promise<void>;
  close(): Promise<void>;
}

/** Writes on the calling thread: for in-memory databases, which another thread cannot open. */
export class InlineCommitter implements Committer {
  private readonly writer: LogWriter;
  private closing = false;

  constructor(db: DatabaseSync) {
    this.writer = new LogWriter(db);
  }

  commit(ops: WriteOp[]): Promise<BatchResult> {
    try {
      return Promise.resolve(this.writer.commit(ops));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  async compact(target: number): Promise<void> {
    this.writer.startCompaction(target);
    while (!this.closing && this.writer.compactStep()) await yieldToLoop();
  }

  close(): Promise<void> {
    this.closing = true;
    return Promise.resolve();
  }
}

interface Pending {
  resolve(v: unknown): void;
  reject(err: Error): void;
}

/**
 * Writes on a worker thread with its own connection to the file. Reads stay on the main thread's
 * connection; WAL lets them run while the worker commits, and a committed batch is visible to
 * them as soon as the worker answers.
 */
export class WorkerCommitter implements Committer {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure?: Error;
  private readonly exited: Promise<void>;

  constructor(path: string) {
    // The build compiles this file to .js next to a compiled writer-thread.js.
    const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
    this.worker = new Worker(new URL(`./writer-thread${ext}`, import.meta.url), { workerData: { path } });
    this.worker.on("message", (reply: WorkerReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if ("error" in reply) p.reject(new Error(reply.error));
      else p.resolve(reply.result);
    });
    this.exited = new Promise((resolve) => {
      this.worker.on("error", (err: unknown) =>
        this.fail(err instanceof Error ? err : new Error(String(err))),
      );
      this.worker.on("exit", (code) => {
        this.fail(new Error(`storage writer stopped (exit code ${code})`));
        resolve();
      });
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private call<T>(req: WorkerRequest): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.pending.set(req.id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage(req);
    });
  }

  commit(ops: WriteOp[]): Promise<BatchResult> {
    return this.call({ id: this.nextId++, kind: "commit", ops });
  }

  compact(target: number): Promise<void> {
    return this.call({ id: this.nextId++, kind: "compact", target });
  }

  async close(): Promise<void> {
    if (!this.failure) await this.call({ id: this.nextId++, kind: "close" }).catch(() => {});
    await this.exited;
  }
}
