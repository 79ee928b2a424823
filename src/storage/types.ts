// The storage contract every backend implements: a revisioned key/value store with
// compare-and-swap writes, ordered listing at a revision, watch from a revision, and compaction.
// Revisions are one global counter; a key's modRevision is the resourceVersion of its object.

export interface KeyValue {
  key: string;
  /** The object as JSON text. */
  value: string;
  createRevision: number;
  modRevision: number;
}

export interface StoreEvent {
  type: "create" | "update" | "delete";
  key: string;
  /** The revision of this change. */
  revision: number;
  /** The new value; for a delete, the last value (with modRevision = revision of the delete). */
  kv: KeyValue;
  /** The value before the change, for update and delete. */
  prev?: KeyValue;
}

export interface ListOptions {
  /** List as of this revision (0 or undefined: the current one). */
  revision?: number;
  /** At most this many items (0 or undefined: all). */
  limit?: number;
  /** List only keys strictly greater than this one (for continue tokens). */
  after?: string;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at. */
  revision: number;
  /** More keys remain after the last item. */
  more: boolean;
  /** How many keys remain after the last item, when known cheaply. */
  remaining?: number;
}

export type StorageErrorCode = "KeyExists" | "NotFound" | "Conflict" | "Compacted" | "Unavailable";

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  readonly key: string;
  /** For Conflict: the current value; for Compacted: the compacted revision. */
  readonly current?: KeyValue;
  readonly compactedRevision?: number;

  constructor(
    code: StorageErrorCode,
    key: string,
    extra?: { current?: KeyValue; compactedRevision?: number },
  ) {
    super(
      `storage: ${code} ${key}${extra?.compactedRevision ? ` (compacted at ${extra.compactedRevision})` : ""}`,
    );
    this.code = code;
    this.key = key;
    this.current = extra?.current;
    this.compactedRevision = extra?.compactedRevision;
  }
}

export interface WatchHandlers {
  /** Events in revision order, each revision at most once, none skipped. */
  onEvents(events: StoreEvent[]): void;
  /** The watch ended: Compacted when the start revision is gone, otherwise an outage. */
  onError(err: StorageError): void;
}

export interface Store {
  readonly name: string;
  get(key: string): Promise<KeyValue | undefined>;
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  count(prefix: string): Promise<number>;
  /** Fails with KeyExists when the key is live. */
  create(key: string, value: string): Promise<KeyValue>;
  /** Fails with NotFound when absent, Conflict when modRevision != expectedRevision. */
  update(key: string, value: string, expectedRevision: number): Promise<KeyValue>;
  /** Returns the deleted value. expectedRevision 0 means unconditional. */
  delete(key: string, expectedRevision: number): Promise<KeyValue>;
  /** Delivers changes under prefix with revision > afterRevision until signal aborts. */
  watch(prefix: string, afterRevision: number, signal: AbortSignal, handlers: WatchHandlers): void;
  currentRevision(): Promise<number>;
  compactedRevision(): Promise<number>;
  /** Forget history at and before revision; watches and lists from before it get Compacted. */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
