import assert from "node:assert/strict";
import { test } from "node:test";
import { protobufKinds, schema } from "./kinds.ts";
import { parseFieldSpec, SCALAR_TYPES, SPECIAL_TYPES } from "./schema-types.ts";

test("every message the schema refers to is defined, so no field of a served kind is silently lost", () => {
  const missing: string[] = [];
  for (const [message, fields] of Object.entries(schema)) {
    const names = new Set<string>();
    for (const [num, spec] of Object.entries(fields)) {
      const f = parseFieldSpec(spec);
      assert.ok(Number(num) > 0, `${message}.${num}`);
      if (!f.inline) {
        assert.ok(!names.has(f.name), `${message} declares ${f.name} twice`);
        names.add(f.name);
      }
      if (!SCALAR_TYPES.has(f.type) && !SPECIAL_TYPES.has(f.type) && !(f.type in schema)) {
        missing.push(`${message}.${f.name} → ${f.type}`);
      }
    }
  }
  for (const kinds of Object.values(protobufKinds)) {
    for (const message of Object.values(kinds)) if (!(message in schema)) missing.push(message);
  }
  assert.deepEqual(missing, []);
});
