import type { DatabaseSync } from "node:sqlite";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { type BatchResult, LogWriter, type WriteOp } from "./log-writer.ts";
import type { WorkerReply, WorkerRequest } from "./writer-thread.ts";

/**
 * Where the log's writes run. The store calls commit with at most one batch in flight, passing
 * the revision the previous batch ended at.
 */
export interface Committer {
  commit(ops: WriteOp[], base: number): Promise<BatchResult>;
  /** Publishes target as compacted and deletes history up to it. */
  compact(target: number): Promise<void>;
  close(): Promise<void>;
}

/** Writes on the calling thread, through the store's own connection. */
export class InlineCommitter implements Committer {
  private readonly writer: LogWriter;
  private closing = false;

  constructor(db: DatabaseSync) {
    this.writer = new LogWriter(db);
  }

  commit(ops: WriteOp[], base: number): Promise<BatchResult> {
    try {
      return Promise.resolve(this.writer.commit(ops, base));
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
 * Writes on a worker thread with its own connection to the file, so that row writes, COMMIT and
 * fsync leave the event loop free. Reads stay on the main thread's connection; WAL lets them run
 * while the worker commits, and a committed batch is visible to them once the worker answers.
 */
export class WorkerCommitter implements Committer {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure?: Error;
  private closing = false;
  private readonly exited: Promise<void>;
  /** Resolves once the worker has opened the file. */
  readonly ready: Promise<void>;

  constructor(path: string) {
    // The build compiles this file to .js next to a compiled writer-thread.js.
    const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
    // No execArgv: flags for the main script (--input-type, --eval) make no sense for this file.
    this.worker = new Worker(new URL(`./writer-thread${ext}`, import.meta.url), {
      workerData: { path },
      execArgv: [],
    });
    this.worker.unref();
    this.worker.on("message", (reply: WorkerReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0 && !this.closing) this.worker.unref();
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
    this.ready = this.call({ id: this.nextId++, kind: "ping" });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private call<T>(req: WorkerRequest): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      // An idle worker must not keep the process alive, a busy one must: a write is on its way.
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(req.id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage(req);
    });
  }

  commit(ops: WriteOp[], base: number): Promise<BatchResult> {
    return this.call({ id: this.nextId++, kind: "commit", ops, base });
  }

  compact(target: number): Promise<void> {
    return this.call({ id: this.nextId++, kind: "compact", target });
  }

  async close(): Promise<void> {
    // Held until it has exited: whoever awaits close must not see the process end first.
    this.closing = true;
    this.worker.ref();
    if (!this.failure) await this.call({ id: this.nextId++, kind: "close" }).catch(() => {});
    await this.exited;
  }
}

export interface AdaptiveOptions {
  /** Rows per second, or rows in one batch, that count as busy. */
  busyRowsPerSecond?: number;
  busyBatch?: number;
  /** A worker not busy for this long is stopped. */
  idleMs?: number;
  now?: () => number;
}

/**
 * Commits inline while writes are few, and on a worker thread while they are many: a worker costs
 * about 12 MB, which an idle server should not carry, and saves the event loop most of the cost of
 * a busy one. Exactly one of the two writes at any time: a switch happens only between batches and
 * outside compaction.
 */
export class AdaptiveCommitter implements Committer {
  private readonly inline: InlineCommitter;
  private readonly path: string;
  private readonly opts: Required<AdaptiveOptions>;
  private starting?: WorkerCommitter;
  private startingReady = false;
  private worker?: WorkerCommitter;
  private compacting = 0;
  private closed = false;
  private windowStart = 0;
  private windowRows = 0;
  private lastBusy = -Infinity;
  private workerFailed = false;
  /** Every time commits moved to the worker thread or back. */
  readonly switches: Array<"worker" | "inline"> = [];

  constructor(db: DatabaseSync, path: string, opts: AdaptiveOptions = {}) {
    this.inline = new InlineCommitter(db);
    this.path = path;
    this.opts = {
      busyRowsPerSecond: opts.busyRowsPerSecond ?? 200,
      busyBatch: opts.busyBatch ?? 16,
      idleMs: opts.idleMs ?? 30_000,
      now: opts.now ?? (() => performance.now()),
    };
  }

  commit(ops: WriteOp[], base: number): Promise<BatchResult> {
    this.observe(ops.length);
    return this.current().commit(ops, base);
  }

  async compact(target: number): Promise<void> {
    const writer = this.current();
    this.compacting++;
    try {
      await writer.compact(target);
    } finally {
      this.compacting--;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.inline.close();
    const workers = [this.worker, this.starting];
    this.worker = this.starting = undefined;
    for (const w of workers) if (w) await w.close();
  }

  private observe(rows: number): void {
    const now = this.opts.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.windowRows = 0;
    }
    this.windowRows += rows;
    if (this.windowRows >= this.opts.busyRowsPerSecond || rows >= this.opts.busyBatch) this.lastBusy = now;
    const busy = now - this.lastBusy < this.opts.idleMs;
    if (busy && !this.worker && !this.starting && !this.closed && !this.workerFailed) {
      const w = new WorkerCommitter(this.path);
      this.starting = w;
      w.ready.then(
        () => {
          if (this.starting === w) this.startingReady = true;
        },
        () => {
          // A worker that cannot start will not start next time either: commit inline from now on.
          if (this.starting === w) this.starting = undefined;
          this.workerFailed = true;
        },
      );
    }
    if (!busy && this.worker && this.compacting === 0) {
      const w = this.worker;
      this.worker = undefined;
      this.switches.push("inline");
      void w.close();
    }
  }

  private current(): Committer {
    // A started worker takes over at the next batch boundary outside compaction.
    if (this.starting && this.startingReady && this.compacting === 0) {
      this.worker = this.starting;
      this.starting = undefined;
      this.startingReady = false;
      this.switches.push("worker");
    }
    return this.worker ?? this.inline;
  }
}
