// Turns the declarations of the installed `kubernetes-types` package into OpenAPI v3 component
// schemas named as upstream names them ("io.k8s.api.core.v1.Pod"). Types are read and converted
// only when first asked for.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, posix } from "node:path";
import { type Decl, type Member, type ParsedModule, type TypeExpr, parseModule } from "./dts-parser.ts";
import { listExtensions } from "./list-extensions.ts";

export type Schema = Record<string, unknown>;

export const REF_PREFIX = "#/components/schemas/";
export const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";

export const ref = (name: string): Schema => ({ $ref: REF_PREFIX + name });

/** The package of a kubernetes-types module ("core/v1", "meta/v1", "api/resource") as upstream names it. */
export function packageOf(module: string): string {
  switch (module) {
    case "meta/v1":
      return "io.k8s.apimachinery.pkg.apis.meta.v1";
    case "api/resource":
      return "io.k8s.apimachinery.pkg.api.resource";
    case "runtime":
      return "io.k8s.apimachinery.pkg.runtime";
    case "version":
      return "io.k8s.apimachinery.pkg.version";
  }
  if (module.startsWith("apiextensions/"))
    return `io.k8s.apiextensions-apiserver.pkg.apis.${module.replace("/", ".")}`;
  return `io.k8s.api.${module.replace("/", ".")}`;
}

const groupDirs: Record<string, string> = {
  "": "core",
  "internal.apiserver.k8s.io": "apiserverinternal",
};

/** The kubernetes-types module that holds a group-version ("apps", "v1" → "apps/v1"). */
export function moduleOf(group: string, version: string): string {
  return `${groupDirs[group] ?? group.split(".")[0]}/${version}`;
}

// Fields that upstream declares as int64; every other integer is int32 there.
const int64Fields = new Set([
  "activeDeadlineSeconds",
  "deletionGracePeriodSeconds",
  "expirationSeconds",
  "fsGroup",
  "generation",
  "gracePeriodSeconds",
  "observedGeneration",
  "runAsGroup",
  "runAsUser",
  "startingDeadlineSeconds",
  "supplementalGroups",
  "terminationGracePeriodSeconds",
]);

const intOrStringSchema: Schema = {
  description:
    "IntOrString holds either an integer or a string; in JSON and YAML it is written as whichever of the two it holds, so a field of this type accepts a number or a name.",
  format: "int-or-string",
  oneOf: [{ type: "integer" }, { type: "string" }],
  "x-kubernetes-int-or-string": true,
};

export class SchemaRegistry {
  private readonly root: string;
  private readonly modules = new Map<string, ParsedModule>();
  private readonly schemas = new Map<string, Schema>();
  private readonly deps = new Map<string, Set<string>>();

  constructor(root: string) {
    this.root = root;
  }

  /** A registry over the `kubernetes-types` package that this project has installed. */
  static installed(): SchemaRegistry {
    const require = createRequire(import.meta.url);
    return new SchemaRegistry(dirname(require.resolve("kubernetes-types/package.json")));
  }

  private module(module: string): ParsedModule {
    let m = this.modules.get(module);
    if (!m) {
      m = parseModule(readFileSync(join(this.root, `${module}.d.ts`), "utf8"));
      this.modules.set(module, m);
    }
    return m;
  }

  /** Whether the package has a module for this group-version. */
  hasModule(module: string): boolean {
    try {
      this.module(module);
      return true;
    } catch {
      return false;
    }
  }

  /** The names of the types in a module that carry a group-version-kind (kinds and their lists). */
  kindsOf(module: string): string[] {
    const out: string[] = [];
    for (const d of this.module(module).decls.values())
      if (d.kind === "interface" && gvkOf(d)) out.push(d.name);
    return out;
  }

  private resolve(module: string, name: string): { module: string; decl: Decl } {
    const m = this.module(module);
    const local = m.decls.get(name);
    if (local) return { module, decl: local };
    const spec = m.imports.get(name);
    if (!spec) throw new Error(`kubernetes-types: ${name} is not known in ${module}`);
    const target = posix.normalize(posix.join(posix.dirname(module), spec));
    return this.resolve(target, name);
  }

  /** Converts a type and everything it references; returns its schema name. */
  ensure(module: string, name: string): string {
    const { module: home, decl } = this.resolve(module, name);
    const full = `${packageOf(home)}.${decl.name}`;
    if (this.schemas.has(full)) return full;
    const deps = new Set<string>();
    // Reserve the name first: types may reference themselves (JSONSchemaProps).
    this.schemas.set(full, {});
    this.deps.set(full, deps);
    const schema = this.declSchema(home, decl, deps);
    if (decl.name === "JSONSchemaProps") this.addSchemaExtensions(home, schema, deps);
    // Go's RuleWithOperations embeds Rule inline, which kubernetes-types leaves out.
    if (decl.name === "RuleWithOperations" || decl.name === "NamedRuleWithOperations")
      Object.assign(((schema as { properties?: Record<string, Schema> }).properties ??= {}), {
        resources: { type: "array", items: { type: "string" } },
        scope: { type: "string" },
      });
    this.schemas.set(full, schema);
    return full;
  }

  /**
   * JSONSchemaProps' x-kubernetes-* fields, which kubernetes-types cannot spell as TypeScript
   * members but upstream's Go type has (and strict field validation must know).
   */
  private addSchemaExtensions(module: string, schema: Schema, deps: Set<string>): void {
    const props = ((schema as { properties?: Record<string, Schema> }).properties ??= {});
    const rule = this.ensure(module, "ValidationRule");
    deps.add(rule);
    Object.assign(props, {
      "x-kubernetes-embedded-resource": { type: "boolean" },
      "x-kubernetes-int-or-string": { type: "boolean" },
      "x-kubernetes-list-map-keys": { type: "array", items: { type: "string" } },
      "x-kubernetes-list-type": { type: "string" },
      "x-kubernetes-map-type": { type: "string" },
      "x-kubernetes-preserve-unknown-fields": { type: "boolean" },
      "x-kubernetes-validations": { type: "array", items: ref(rule) },
    });
  }

  /** Adds a schema written by hand (legacy versions); its $refs must name registered schemas. */
  define(name: string, schema: Schema, deps: Iterable<string>): void {
    this.schemas.set(name, schema);
    this.deps.set(name, new Set(deps));
  }

  get(name: string): Schema | undefined {
    return this.schemas.get(name);
  }

  depsOf(name: string): string[] {
    return [...(this.deps.get(name) ?? [])];
  }

  /** The named schemas and every schema they reference, keyed by name in sorted order. */
  closure(roots: Iterable<string>): Record<string, Schema> {
    const seen = new Set<string>();
    const stack = [...roots];
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      for (const d of this.deps.get(n) ?? []) stack.push(d);
    }
    const out: Record<string, Schema> = {};
    for (const n of [...seen].sort()) out[n] = this.schemas.get(n)!;
    return out;
  }

  private declSchema(module: string, decl: Decl, deps: Set<string>): Schema {
    if (decl.kind === "alias") return this.aliasSchema(module, decl.name, decl.doc, decl.type, deps);
    const s: Schema = {};
    if (decl.doc) s.description = decl.doc;
    s.type = "object";
    if (decl.members.length === 0) return s; // opaque (RawExtension, FieldsV1): any JSON object
    const properties: Record<string, Schema> = {};
    for (const m of decl.members) properties[m.name] = this.propertySchema(module, decl.name, m, deps);
    s.properties = properties;
    const required = decl.members.filter((m) => !m.optional).map((m) => m.name);
    if (required.length) s.required = required;
    const gvk = gvkOf(decl);
    if (gvk) s["x-kubernetes-group-version-kind"] = [gvk];
    return s;
  }

  private aliasSchema(module: string, name: string, doc: string, t: TypeExpr, deps: Set<string>): Schema {
    const s: Schema = doc ? { description: doc } : {};
    if (module === "api/resource" && name === "Quantity") {
      s.oneOf = [{ type: "string" }, { type: "number" }];
    } else if (module === "meta/v1" && (name === "Time" || name === "MicroTime")) {
      s.type = "string";
      s.format = "date-time";
    } else {
      Object.assign(s, this.typeSchema(module, t, name, deps));
    }
    return s;
  }

  private propertySchema(module: string, owner: string, m: Member, deps: Set<string>): Schema {
    const base = this.typeSchema(module, m.type, m.name, deps);
    const ext = listExtensions[`${module}:${owner}.${m.name}`];
    // OpenAPI 3.0 ignores siblings of $ref, so a described reference goes through allOf.
    const s: Schema = "$ref" in base ? { allOf: [base] } : base;
    const out: Schema = m.doc ? { description: m.doc, ...s } : { ...s };
    return ext ? { ...out, ...ext } : out;
  }

  private typeSchema(module: string, t: TypeExpr, field: string, deps: Set<string>): Schema {
    switch (t.k) {
      case "string":
      case "literal":
        return { type: "string" };
      case "boolean":
        return { type: "boolean" };
      case "number":
        return { type: "integer", format: int64Fields.has(field) ? "int64" : "int32" };
      case "array":
        return { type: "array", items: this.typeSchema(module, t.of, field, deps) };
      case "map":
        return { type: "object", additionalProperties: this.typeSchema(module, t.of, field, deps) };
      case "union": {
        const kinds = new Set(t.of.map((x) => x.k));
        if (kinds.size === 2 && kinds.has("number") && kinds.has("string")) {
          if (!this.schemas.has(INT_OR_STRING)) this.define(INT_OR_STRING, intOrStringSchema, []);
          deps.add(INT_OR_STRING);
          return ref(INT_OR_STRING);
        }
        return {}; // only apiextensions' JSONSchemaPropsOr* unions: any value
      }
      case "ref": {
        const name = this.ensure(module, t.name);
        deps.add(name);
        return ref(name);
      }
    }
  }
}

function gvkOf(decl: Decl): { group: string; kind: string; version: string } | undefined {
  if (decl.kind !== "interface") return undefined;
  let apiVersion: string | undefined;
  let kind: string | undefined;
  for (const m of decl.members) {
    if (m.type.k !== "literal") continue;
    if (m.name === "apiVersion") apiVersion = m.type.value;
    else if (m.name === "kind") kind = m.type.value;
  }
  if (!apiVersion || !kind) return undefined;
  const i = apiVersion.indexOf("/");
  const group = i < 0 ? "" : apiVersion.slice(0, i);
  const version = i < 0 ? apiVersion : apiVersion.slice(i + 1);
  return { group, kind, version };
}
