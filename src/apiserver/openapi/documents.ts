// The OpenAPI v3 documents of the served group-versions, built on first use and kept.
import { createHash } from "node:crypto";
import { type GroupVersion, legacyGroups, servedGroupVersions } from "../../api/resources.ts";
import { defineLegacyKind } from "./legacy-schemas.ts";
import { buildPaths, type Gvk } from "./paths.ts";
import { type Schema, SchemaRegistry, moduleOf } from "./schema-registry.ts";
import { FieldTreeCompiler, type FieldNode, findUnknownFields } from "./unknown-fields.ts";

export interface BuiltDocument {
  doc: Schema;
  json: string;
  /** Upper-case hex SHA-512 of `json`, as kube-openapi's handler3 computes its ETag and hash. */
  hash: string;
}

/** "" v1 → "api/v1"; apps v1 → "apis/apps/v1". */
export const documentPath = (group: string, version: string): string =>
  group ? `apis/${group}/${version}` : `api/${version}`;

export class OpenApiV3 {
  private readonly reg: SchemaRegistry;
  private readonly groupVersions: GroupVersion[];
  private readonly built = new Map<string, BuiltDocument>();
  private readonly trees: FieldTreeCompiler;
  private readonly kindTrees = new Map<string, FieldNode | null>();

  /** Kinds whose schemas were defined by hand (custom resources): "group/version/Kind" → name. */
  private readonly named: Map<string, string>;

  constructor(reg: SchemaRegistry, groupVersions: GroupVersion[], named = new Map<string, string>()) {
    this.reg = reg;
    this.groupVersions = groupVersions;
    this.named = named;
    this.trees = new FieldTreeCompiler((n) => reg.get(n));
  }

  static installed(): OpenApiV3 {
    return new OpenApiV3(SchemaRegistry.installed(), servedGroupVersions());
  }

  paths(): string[] {
    return this.groupVersions.map((gv) => documentPath(gv.group, gv.version));
  }

  /** The schema name of a kind (or its list) as this server serves it; throws if unknown. */
  schemaName(gvk: Gvk): string {
    const custom = this.named.get(`${gvk.group}/${gvk.version}/${gvk.kind}`);
    if (custom) return custom;
    const legacy = legacyGroups[`${gvk.group}/${gvk.version}`];
    if (legacy) {
      const base = gvk.kind.endsWith("List") ? gvk.kind.slice(0, -4) : gvk.kind;
      if (!legacy.kinds.includes(base))
        throw new Error(`${gvk.kind} is not served in ${gvk.group}/${gvk.version}`);
      const name = defineLegacyKind(this.reg, gvk.group, gvk.version, base, legacy.storageGroup);
      return base === gvk.kind ? name : `${name}List`;
    }
    return this.reg.ensure(moduleOf(gvk.group, gvk.version), gvk.kind);
  }

  document(path: string): BuiltDocument | undefined {
    const done = this.built.get(path);
    if (done) return done;
    const gv = this.groupVersions.find((g) => documentPath(g.group, g.version) === path);
    if (!gv) return undefined;
    const roots = new Set<string>();
    const lookup = (gvk: Gvk): string => {
      const n = this.schemaName(gvk);
      roots.add(n);
      return n;
    };
    const paths = buildPaths(gv, lookup);
    for (const t of ["Status", "WatchEvent", "DeleteOptions", "Patch"])
      roots.add(this.reg.ensure("meta/v1", t));
    const doc: Schema = {
      openapi: "3.0.0",
      info: { title: "Kubernetes", version: "v1.32.0" },
      paths,
      components: { schemas: this.reg.closure(roots) },
    };
    const json = JSON.stringify(doc);
    const built = { doc, json, hash: createHash("sha512").update(json).digest("hex").toUpperCase() };
    this.built.set(path, built);
    return built;
  }

  root(): { paths: Record<string, { serverRelativeURL: string }> } {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const p of this.paths())
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${this.document(p)!.hash}` };
    return { paths };
  }

  unknownFields(group: string, version: string, kind: string, obj: unknown): string[] {
    const tree = this.kindTree(group, version, kind);
    return tree ? findUnknownFields(tree, obj) : [];
  }

  /** The kind's compiled field tree; null for kinds without a schema. */
  kindTree(group: string, version: string, kind: string): FieldNode | null {
    const key = `${group}/${version}/${kind}`;
    let tree = this.kindTrees.get(key);
    if (tree === undefined) {
      try {
        tree = this.trees.named(this.schemaName({ group, version, kind }));
      } catch {
        tree = null; // a kind without a schema is not checked, as upstream does for unstructured objects
      }
      this.kindTrees.set(key, tree);
    }
    return tree;
  }
}
