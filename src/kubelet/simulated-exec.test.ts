import assert from "node:assert/strict";
import { test } from "node:test";
import { simulatedExec } from "./simulated-exec.ts";

const files = new Set(["/", "/tmp", "/app.js"]);

test("exec commands that test for a file answer from the image's files", () => {
  assert.deepEqual(simulatedExec(["cat", "/app.js"], files), { exitCode: 0, output: "" });
  assert.deepEqual(simulatedExec(["cat", "/tmp/healthy"], files), {
    exitCode: 1,
    output: "cat: /tmp/healthy: No such file or directory\n",
  });
  assert.deepEqual(simulatedExec(["ls", "/var/ready"], files), {
    exitCode: 2,
    output: "ls: cannot access '/var/ready': No such file or directory\n",
  });
  assert.equal(simulatedExec(["sh", "-c", "test -e /tmp"], files).exitCode, 0);
  assert.equal(simulatedExec(["/bin/sh", "-c", "exit 3"], files).exitCode, 3);
  assert.equal(simulatedExec(["false"], files).exitCode, 1);
  assert.equal(simulatedExec(["curl", "localhost:8080"], files).exitCode, 0, "unknown commands succeed");
});
