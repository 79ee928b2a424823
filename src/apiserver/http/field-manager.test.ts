import { test } from "node:test";
import assert from "node:assert/strict";
import { fieldManagerOf } from "./field-manager.ts";
import { StatusError } from "../../apimachinery/status-error.ts";

const q = (s = "") => new URLSearchParams(s);

test("the fieldManager parameter names the manager of a write", () => {
  assert.equal(fieldManagerOf("patch", q("fieldManager=kubectl-label"), "kubectl/v1.32.0"), "kubectl-label");
});

test("without one, the User-Agent up to its first slash names it, as upstream defaults it", () => {
  assert.equal(
    fieldManagerOf("create", q(), "kubectl.1.32/v1.32.2 (linux/amd64) kubernetes/abc"),
    "kubectl.1.32",
  );
  assert.equal(fieldManagerOf("update", q(), "python"), "python");
  assert.equal(fieldManagerOf("update", q(), undefined), "");
  assert.equal(fieldManagerOf("create", q(), "é".repeat(100))?.length, 64);
});

test("reads and deletes record nothing", () => {
  assert.equal(fieldManagerOf("get", q("fieldManager=x"), "kubectl/1"), undefined);
  assert.equal(fieldManagerOf("delete", q(), "kubectl/1"), undefined);
});

test("a manager over 128 bytes or with an unprintable character is the options' 422", () => {
  const tooLong = () => fieldManagerOf("create", q(`fieldManager=${"x".repeat(129)}`), "");
  assert.throws(tooLong, (e: unknown) => {
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 422);
    assert.match(e.message, /^CreateOptions\.meta\.k8s\.io "" is invalid: fieldManager: Too long/);
    return true;
  });
  const tab = () => fieldManagerOf("patch", q("fieldManager=a%09b"), "");
  assert.throws(tab, (e: unknown) => {
    assert.ok(e instanceof StatusError);
    assert.match(e.message, /^PatchOptions\.meta\.k8s\.io "" is invalid: .*invalid character U\+0009/);
    return true;
  });
  assert.equal(fieldManagerOf("patch", q("fieldManager=héllo wörld"), ""), "héllo wörld");
});
