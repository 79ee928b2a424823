// The official Python client (Debian's python3-kubernetes), which reads query booleans its own way
// (watch=True, follow=True) and discovers through /api/ and /apis/: watch, log follow, discovery and
// the dynamic client against a running server.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { startServer, type RunningServer } from "../support/server.ts";
import { Kubectl } from "../support/kubectl.ts";
import { simulatedNode } from "../support/book.ts";

// Debian's interpreter, where python3-kubernetes is installed (not whatever python3 is first on PATH).
const PYTHON = "/usr/bin/python3";

let server: RunningServer;
let k: Kubectl;
before(async () => {
  server = await startServer();
  k = new Kubectl(server.kubeconfig);
  await k.ok(["apply", "-f", "-"], { input: simulatedNode("py-node") });
  await k.ok(["run", "py-logger", "--image=luksa/kubia"]);
  await k.ok(["wait", "--for=condition=Ready", "pod/py-logger", "--timeout=60s"]);
});
after(async () => {
  await server?.stop();
});

function runPython(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(PYTHON, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill("SIGKILL"), 90_000);
    p.on("error", reject);
    p.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

test("discovery, a watch, a followed log and the dynamic client work from Python", async () => {
  const script = join(import.meta.dirname, "python", "client.py");
  const r = await runPython([script, server.kubeconfig, "py-logger"]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.match(String(out.gitVersion), /^v1\.\d+\.\d+/);
  assert.ok((out.groups as string[]).includes("apps"), JSON.stringify(out.groups));
  assert.deepEqual(out.coreVersions, ["v1"]);
  assert.deepEqual(out.watched, [
    ["ADDED", "1"],
    ["MODIFIED", "2"],
  ]);
  assert.ok(Number(out.watchSeconds) < 9, "the watch delivered before its timeout");
  assert.match(String(out.firstLogLine), /^\d{4}-\d\d-\d\dT[\d:.]+Z Kubia server starting\.\.\.\n$/);
  assert.equal(out.followEnded, false, "follow=True keeps the log stream open");
  assert.match(String(out.unfollowedLog), /^Kubia server starting\.\.\.\n/, "follow=False answers at once");
  assert.equal(out.deploymentsNamespaced, true);
  assert.equal(out.dynamicGot, "w");
  assert.equal(out.dynamicListed, true);
  assert.equal(out.dynamicDeleted, true);
  assert.equal(out.customDefaulted, 3, "the custom object got its schema's default");
  assert.deepEqual(out.customListed, ["t1"]);
});
