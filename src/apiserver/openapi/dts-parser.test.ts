import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cleanDoc, parseModule, parseType } from "./dts-parser.ts";

describe("parseType", () => {
  it("reads the type forms kubernetes-types uses", () => {
    assert.deepEqual(parseType("string"), { k: "string" });
    assert.deepEqual(parseType('"apps/v1"'), { k: "literal", value: "apps/v1" });
    assert.deepEqual(parseType("Array<Container>"), { k: "array", of: { k: "ref", name: "Container" } });
    assert.deepEqual(parseType("number | string"), { k: "union", of: [{ k: "number" }, { k: "string" }] });
    assert.deepEqual(parseType("{ [name: string]: Array<string>; }"), {
      k: "map",
      of: { k: "array", of: { k: "string" } },
    });
    assert.deepEqual(parseType("JSONSchemaProps | JSONSchemaProps[]"), {
      k: "union",
      of: [
        { k: "ref", name: "JSONSchemaProps" },
        { k: "array", of: { k: "ref", name: "JSONSchemaProps" } },
      ],
    });
  });

  it("rejects what it does not understand instead of guessing", () => {
    assert.throws(() => parseType("Partial<Pod>>"));
  });
});

describe("parseModule", () => {
  const src = [
    'import { ObjectMeta, Time } from "../meta/v1";',
    "/**",
    " * Thing is a test kind.",
    " *",
    " * Second paragraph.",
    " */",
    "export interface Thing {",
    '    apiVersion?: "example.io/v1";',
    "    /** Standard metadata. */",
    "    metadata?: ObjectMeta;",
    "    /**",
    "     * Valid options are:",
    "     *   A - first.",
    "     */",
    "    readonly mode: string;",
    "    labels?: {",
    "        [name: string]: string;",
    "    };",
    "}",
    "/** Empty. */",
    "export interface Opaque {",
    "}",
    "/** A time. */",
    "export type Stamp = string;",
  ].join("\n");
  const m = parseModule(src);

  it("records imports by name", () => {
    assert.equal(m.imports.get("ObjectMeta"), "../meta/v1");
    assert.equal(m.imports.get("Time"), "../meta/v1");
  });

  it("reads interfaces with their docs, optionality and multi-line member types", () => {
    const d = m.decls.get("Thing");
    assert.ok(d && d.kind === "interface");
    assert.equal(d.doc, "Thing is a test kind.\n\nSecond paragraph.");
    assert.deepEqual(
      d.members.map((x) => [x.name, x.optional, x.readonly]),
      [
        ["apiVersion", true, false],
        ["metadata", true, false],
        ["mode", false, true],
        ["labels", true, false],
      ],
    );
    assert.equal(d.members[1].doc, "Standard metadata.");
    assert.equal(d.members[2].doc, "Valid options are:\n  A - first.");
    assert.equal(d.members[3].doc, "");
    assert.deepEqual(d.members[3].type, { k: "map", of: { k: "string" } });
  });

  it("reads empty interfaces and type aliases", () => {
    assert.deepEqual(m.decls.get("Opaque"), {
      kind: "interface",
      name: "Opaque",
      doc: "Empty.",
      members: [],
    });
    assert.deepEqual(m.decls.get("Stamp"), {
      kind: "alias",
      name: "Stamp",
      doc: "A time.",
      type: { k: "string" },
    });
  });

  it("cleanDoc keeps one-line comments as they are", () => {
    assert.equal(cleanDoc("/** One line. */"), "One line.");
  });
});
