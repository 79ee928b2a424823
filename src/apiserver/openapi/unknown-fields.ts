// Finds the fields of a decoded object that its schema does not declare, named the way
// upstream's strict JSON decoder names them: object keys joined by ".", list items as "[i]",
// map keys as path segments; document order, duplicates dropped, at most 100
// (sigs.k8s.io/json internal/golang/encoding/json decode.go and kubernetes_patch.go).
import { REF_PREFIX, type Schema } from "./schema-registry.ts";

export type FieldNode =
  | { t: "any" }
  | { t: "object"; props: Map<string, FieldNode>; required?: ReadonlySet<string> }
  | { t: "array"; items: FieldNode }
  | { t: "map"; values: FieldNode };

const ANY: FieldNode = { t: "any" };
const MAX_ERRORS = 100;

/** Compiles schemas into field trees, once per schema name (shared between kinds). */
export class FieldTreeCompiler {
  private readonly lookup: (name: string) => Schema | undefined;
  private readonly byName = new Map<string, FieldNode>();

  constructor(lookup: (name: string) => Schema | undefined) {
    this.lookup = lookup;
  }

  named(name: string): FieldNode {
    const done = this.byName.get(name);
    if (done) return done;
    const s = this.lookup(name);
    if (!s) return ANY;
    if (!s.properties) {
      const node = this.compile(s);
      this.byName.set(name, node);
      return node;
    }
    // Registered before its properties are compiled, so recursive types terminate.
    const node: FieldNode = { t: "object", props: new Map(), required: requiredOf(s) };
    this.byName.set(name, node);
    for (const [k, v] of Object.entries(s.properties as Record<string, Schema>))
      node.props.set(k, this.compile(v));
    return node;
  }

  compile(s: Schema): FieldNode {
    if (typeof s.$ref === "string") return this.named(s.$ref.slice(REF_PREFIX.length));
    const allOf = s.allOf as Schema[] | undefined;
    if (allOf?.length === 1) return this.compile(allOf[0]);
    if (s.properties) {
      const props = new Map<string, FieldNode>();
      for (const [k, v] of Object.entries(s.properties as Record<string, Schema>))
        props.set(k, this.compile(v));
      return { t: "object", props, required: requiredOf(s) };
    }
    if (s.items) return { t: "array", items: this.compile(s.items as Schema) };
    if (s.additionalProperties && typeof s.additionalProperties === "object") {
      return { t: "map", values: this.compile(s.additionalProperties as Schema) };
    }
    return ANY;
  }
}

function requiredOf(s: Schema): ReadonlySet<string> | undefined {
  return Array.isArray(s.required) && s.required.length ? new Set(s.required as string[]) : undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The unknown fields of `obj` under `root`, as `spec.containers[0].bar`. */
export function findUnknownFields(root: FieldNode, obj: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  walk(root, obj, "");
  return out;

  function walk(node: FieldNode, v: unknown, path: string): void {
    if (out.length >= MAX_ERRORS) return;
    switch (node.t) {
      case "any":
        return;
      case "object":
        if (!isObject(v)) return;
        for (const k in v) {
          const p = path ? `${path}.${k}` : k;
          const child = node.props.get(k);
          if (child) walk(child, v[k], p);
          else if (!seen.has(p) && out.length < MAX_ERRORS) {
            seen.add(p);
            out.push(p);
          }
        }
        return;
      case "array":
        if (!Array.isArray(v) || node.items.t === "any") return;
        for (let i = 0; i < v.length; i++) walk(node.items, v[i], `${path}[${i}]`);
        return;
      case "map":
        if (!isObject(v) || node.values.t === "any") return;
        for (const k in v) walk(node.values, v[k], path ? `${path}.${k}` : k);
        return;
    }
  }
}
