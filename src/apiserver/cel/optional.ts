// cel-go's optional values (cel.OptionalTypes, which Kubernetes enables): `optional.of(x)`,
// `optional.none()`, `optional.ofNonZeroValue(x)`, `hasValue()`, `value()`, `orValue(d)`,
// `or(o)`, and what the optional syntax evaluates to (`a.?b`, `a[?k]`, `[?x]`, `{?k: v}`).
// @bufbuild/cel knows no optional type, so a value is a message of a type named `optional_type`
// (what cel-go's type() names) carrying the wrapped value out of band.
import {
  CelScalar,
  celFunc,
  celList,
  celMap,
  celMethod,
  celType,
  isCelList,
  isCelMap,
  isCelUint,
  listType,
  objectType,
  type CelFunc,
  type CelObjectType,
} from "@bufbuild/cel";
import { create, type DescMessage } from "@bufbuild/protobuf";
import { protoFile } from "./types.ts";

export const optionalFile = protoFile("", [{ name: "optional_type" }]);

const OPTIONAL: DescMessage = optionalFile.getMessage("optional_type")!;
export const OPTIONAL_TYPE = objectType(OPTIONAL) as CelObjectType<any>;
const PAYLOAD = Symbol("optional payload");
const DYN = CelScalar.DYN;

interface Payload {
  has: boolean;
  value?: unknown;
}

function wrap(p: Payload): never {
  const msg = create(OPTIONAL) as unknown as Record<string | symbol, unknown>;
  Object.defineProperty(msg, PAYLOAD, { value: p });
  // Equality compares messages by their fields: the field is a key for the wrapped value.
  Object.defineProperty(msg, "value", {
    get: () => (p.has ? `of:${key(p.value)}` : "none"),
    enumerable: true,
  });
  return msg as never;
}

const NONE = wrap({ has: false });
export const none = (): never => NONE;
export const of = (value: unknown): never => wrap({ has: true, value });

/** The payload of an optional value, or undefined for any other value. */
export function payload(v: unknown): Payload | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const o = v as { message?: Record<symbol, unknown> } & Record<symbol, unknown>;
  return (o.message?.[PAYLOAD] ?? o[PAYLOAD]) as Payload | undefined;
}

function key(v: unknown): string {
  if (typeof v === "bigint" || typeof v === "number") return `n${Number(v)}`;
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "boolean" || v === null) return String(v);
  if (isCelUint(v)) return `n${Number(v.value)}`;
  if (v instanceof Uint8Array) return `b${Buffer.from(v).toString("hex")}`;
  if (isCelList(v)) return `[${[...v].map(key).join(",")}]`;
  if (isCelMap(v))
    return `{${[...v.keys()]
      .map((k) => `${key(k)}:${key(v.get(k))}`)
      .sort()
      .join(",")}}`;
  const p = payload(v);
  if (p) return p.has ? `of:${key(p.value)}` : "none";
  return `?${String((v as { desc?: { typeName?: string } }).desc?.typeName)}`;
}

function isZero(v: unknown): boolean {
  if (v === null || v === false || v === "" || v === 0 || v === 0n) return true;
  if (isCelUint(v)) return v.value === 0n;
  if (v instanceof Uint8Array) return v.length === 0;
  if (isCelList(v)) return v.size === 0;
  if (isCelMap(v)) return v.size === 0;
  return false;
}

const typeOf = (v: unknown): string => {
  try {
    return celType(v as never).name;
  } catch {
    return "unknown";
  }
};

/** `obj.?field`: the field when present, none when not; an optional object chains. */
// A wrapped value may be host data (a Map or an array) that the library has not yet made CEL's.
const cel = (v: unknown): unknown =>
  v instanceof Map ? celMap(v as never) : Array.isArray(v) ? celList(v as never[]) : v;

function select(obj: unknown, field: string): never {
  const p = payload(obj);
  if (p) {
    if (!p.has) return NONE;
    obj = cel(p.value);
  }
  if (isCelMap(obj)) return obj.has(field) ? of(obj.get(field)) : NONE;
  throw new Error(`type '${typeOf(obj)}' does not support field selection`);
}

function index(obj: unknown, k: unknown): never {
  const p = payload(obj);
  if (p) {
    if (!p.has) return NONE;
    obj = cel(p.value);
  }
  if (isCelList(obj)) {
    const i =
      typeof k === "bigint"
        ? k
        : isCelUint(k)
          ? k.value
          : typeof k === "number" && Number.isInteger(k)
            ? BigInt(k)
            : undefined;
    if (i === undefined) throw new Error(`unsupported index type '${typeOf(k)}' in list`);
    return i >= 0n && i < BigInt(obj.size) ? of(obj.get(Number(i))) : NONE;
  }
  if (isCelMap(obj)) return obj.has(k as never) ? of(obj.get(k as never)) : NONE;
  throw new Error(`type '${typeOf(obj)}' does not support indexing`);
}

function must(v: unknown): Payload {
  const p = payload(v);
  if (!p) throw new Error(`cannot initialize optional entry from non-optional value ${typeOf(v)}`);
  return p;
}

export const optionalFuncs: CelFunc[] = [
  celFunc("optional.of", [DYN], OPTIONAL_TYPE, (v: unknown) => of(v)),
  celFunc("optional.ofNonZeroValue", [DYN], OPTIONAL_TYPE, (v: unknown) => (isZero(v) ? NONE : of(v))),
  celFunc("optional.none", [], OPTIONAL_TYPE, () => NONE),
  celMethod("hasValue", OPTIONAL_TYPE, [], CelScalar.BOOL, function (this: unknown) {
    return payload(this)!.has;
  }),
  celMethod("value", OPTIONAL_TYPE, [], DYN, function (this: unknown): never {
    const p = payload(this)!;
    if (!p.has) throw new Error("optional.none() dereference");
    return p.value as never;
  }),
  celMethod("orValue", OPTIONAL_TYPE, [DYN], DYN, function (this: unknown, d: unknown): never {
    const p = payload(this)!;
    return (p.has ? p.value : d) as never;
  }),
  celMethod("or", OPTIONAL_TYPE, [OPTIONAL_TYPE], OPTIONAL_TYPE, function (this: unknown, o: unknown): never {
    return (payload(this)!.has ? this : o) as never;
  }),
  // What the rewritten optional syntax calls (see rewrite.ts); `@` names cannot be written in CEL.
  celFunc("@opt_select", [DYN, CelScalar.STRING], OPTIONAL_TYPE, select),
  celFunc("@opt_index", [DYN, DYN], OPTIONAL_TYPE, index),
  celFunc(
    "@opt_list",
    [listType(DYN), listType(DYN)],
    listType(DYN),
    (elems: Iterable<unknown>, opt: Iterable<unknown>) => {
      const optional = new Set([...opt].map(Number));
      const out: unknown[] = [];
      let i = 0;
      for (const e of elems) {
        if (!optional.has(i++)) out.push(e);
        else {
          const p = must(e);
          if (p.has) out.push(p.value);
        }
      }
      return celList(out as never[]);
    },
  ),
  celFunc(
    "@opt_map",
    [listType(DYN), listType(DYN), listType(DYN)],
    DYN,
    (keys: Iterable<unknown>, values: Iterable<unknown>, opt: Iterable<unknown>): never => {
      const optional = new Set([...opt].map(Number));
      const vs = [...values];
      const m = new Map<unknown, never>();
      let i = 0;
      for (const k of keys) {
        const v: unknown = vs[i];
        const at = i++;
        let value = v;
        if (optional.has(at)) {
          const p = must(v);
          if (!p.has) continue;
          value = p.value;
        }
        const normal = typeof k === "number" && Number.isInteger(k) ? BigInt(k) : k;
        if (m.has(normal)) throw new Error(`map key conflict: ${String(k)}`);
        m.set(normal, value as never);
      }
      return celMap(m as never) as never;
    },
  ),
];
