// RFC 6902 JSON patch with the semantics of gopkg.in/evanphx/json-patch.v4, the library kube-apiserver uses.
// The input document is never mutated: containers on a modified path are copied once per patch.
import { badRequest, tooLarge } from "../../apimachinery/status-error.ts";
import { type JsonObject, goJsonTypeName, isObject } from "./json-value.ts";
import { unprocessable } from "./patch-errors.ts";

// maxJSONPatchOperations in k8s.io/apiserver/pkg/endpoints/handlers/patch.go
const maxJSONPatchOperations = 10000;

type Container = JsonObject | unknown[];

class OpFailed extends Error {}

const fail = (why: string): never => {
  throw new OpFailed(why);
};

function isContainer(v: unknown): v is Container {
  return typeof v === "object" && v !== null;
}

// Go's strconv.Atoi: optional sign, decimal digits only.
function atoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) return fail(`value was not a proper array index: '${s}'`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) fail(`value out of range: '${s}'`);
  return n;
}

const decodePatchKey = (k: string): string => k.replaceAll("~1", "/").replaceAll("~0", "~");

/** Reads key from a container; object keys that are absent read as undefined, bad array indexes fail. */
function get(con: Container, key: string): unknown {
  if (!Array.isArray(con)) return Object.hasOwn(con, key) ? con[key] : undefined;
  const idx = atoi(key);
  if (idx < 0 || idx >= con.length) fail(`Unable to access invalid index: ${idx}`);
  return con[idx];
}

function add(con: Container, key: string, val: unknown): void {
  if (!Array.isArray(con)) {
    con[key] = val;
    return;
  }
  if (key === "-") {
    con.push(val);
    return;
  }
  let idx = atoi(key);
  const size = con.length + 1;
  // evanphx/json-patch.v4 accepts negative indexes counted from the end (SupportNegativeIndices).
  if (idx >= size || idx < -size) fail(`Unable to access invalid index: ${idx}`);
  if (idx < 0) idx += size;
  con.splice(idx, 0, val);
}

function remove(con: Container, key: string): void {
  if (!Array.isArray(con)) {
    if (!Object.hasOwn(con, key)) fail(`Unable to remove nonexistent key: ${key}`);
    delete con[key];
    return;
  }
  let idx = atoi(key);
  if (idx >= con.length || idx < -con.length) fail(`Unable to access invalid index: ${idx}`);
  if (idx < 0) idx += con.length;
  con.splice(idx, 1);
}

// lazyNode.equal in evanphx/json-patch.v4: objects compare one way (every key of the document's value must
// match in the test value), arrays element by element, scalars by value.
function testEqual(n: unknown, o: unknown): boolean {
  if (isObject(n)) {
    if (!isObject(o)) return false;
    for (const k of Object.keys(n)) {
      if (!Object.hasOwn(o, k)) return false;
      const nv = n[k];
      const ov = o[k];
      if (nv === null && ov === null) continue;
      if (nv === null || ov === null || !testEqual(nv, ov)) return false;
    }
    return true;
  }
  if (Array.isArray(n)) {
    if (!Array.isArray(o) || n.length !== o.length) return false;
    for (let i = 0; i < n.length; i++) if (!testEqual(n[i], o[i])) return false;
    return true;
  }
  return n === o;
}

function stringField(op: JsonObject, name: string): string {
  const v = op[name];
  if (typeof v !== "string") fail(`operation missing ${name} field`);
  return v as string;
}

class Patcher {
  root: unknown;
  private readonly owned = new WeakSet<object>();

  constructor(doc: unknown) {
    this.root = doc;
  }

  private own<T extends Container>(c: T): T {
    if (this.owned.has(c)) return c;
    const copy = (Array.isArray(c) ? c.slice() : { ...c }) as T;
    this.owned.add(copy);
    return copy;
  }

  /** findObject in evanphx/json-patch: the container holding the last path segment, copied if it will change. */
  find(path: string, mutate: boolean): { con: Container; key: string } {
    const split = path.split("/");
    if (split.length < 2) return fail(`doc is missing path: "${path}"`);
    if (!isContainer(this.root)) return fail("document is not a container");
    if (mutate) this.root = this.own(this.root as Container);
    let doc = this.root as Container;
    for (let i = 1; i < split.length - 1; i++) {
      const part = decodePatchKey(split[i]);
      let next: unknown;
      try {
        next = get(doc, part);
      } catch {
        return fail(`doc is missing path: "${path}"`);
      }
      if (!isContainer(next)) return fail(`doc is missing path: "${path}"`);
      if (mutate && !this.owned.has(next)) {
        next = this.own(next);
        if (Array.isArray(doc)) doc[atoi(part)] = next;
        else doc[part] = next;
      }
      doc = next as Container;
    }
    return { con: doc, key: decodePatchKey(split[split.length - 1]) };
  }

  apply(op: JsonObject): void {
    const kind = typeof op.op === "string" ? op.op : "unknown";
    switch (kind) {
      case "add": {
        const { con, key } = this.find(stringField(op, "path"), true);
        add(con, key, op.value);
        return;
      }
      case "remove": {
        const { con, key } = this.find(stringField(op, "path"), true);
        remove(con, key);
        return;
      }
      case "replace": {
        const { con, key } = this.find(stringField(op, "path"), true);
        get(con, key);
        // Like evanphx/json-patch.v4, replacing an absent object key simply sets it.
        if (Array.isArray(con)) con[atoi(key)] = op.value;
        else con[key] = op.value;
        return;
      }
      case "move": {
        const from = this.find(stringField(op, "from"), true);
        const val = get(from.con, from.key);
        remove(from.con, from.key);
        const to = this.find(stringField(op, "path"), true);
        add(to.con, to.key, val);
        return;
      }
      case "copy": {
        const from = this.find(stringField(op, "from"), false);
        const val = get(from.con, from.key);
        const to = this.find(stringField(op, "path"), true);
        // A copied subtree must not alias one this patch may still mutate in place.
        add(to.con, to.key, val === undefined ? null : structuredClone(val));
        return;
      }
      case "test": {
        const { con, key } = this.find(stringField(op, "path"), false);
        const val = get(con, key);
        const hasValue = Object.hasOwn(op, "value");
        if (val === undefined || val === null) {
          if (hasValue && op.value === null) return;
          fail(`testing value ${String(op.path)} failed`);
        }
        if (!hasValue || op.value === null || !testEqual(val, op.value))
          fail(`testing value ${String(op.path)} failed`);
        return;
      }
      default:
        fail(`Unexpected kind: ${kind}`);
    }
  }
}

/**
 * Applies an RFC 6902 patch (application/json-patch+json) as kube-apiserver does: a patch that does not decode
 * is a 400, more than 10000 operations a 413, and any operation that cannot apply a 422.
 */
export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) {
    throw badRequest(`json: cannot unmarshal ${goJsonTypeName(patch)} into Go value of type jsonpatch.Patch`);
  }
  for (const op of patch) {
    if (op !== null && !isObject(op)) {
      throw badRequest(
        `json: cannot unmarshal ${goJsonTypeName(op)} into Go value of type jsonpatch.Operation`,
      );
    }
  }
  if (patch.length > maxJSONPatchOperations) {
    throw tooLarge(
      `Request entity too large: The allowed maximum operations in a JSON patch is ${maxJSONPatchOperations}, got ${patch.length}`,
    );
  }
  const p = new Patcher(doc);
  try {
    for (const op of patch as Array<JsonObject | null>) p.apply(op ?? {});
  } catch (e) {
    if (e instanceof OpFailed) throw unprocessable();
    throw e;
  }
  return p.root;
}
