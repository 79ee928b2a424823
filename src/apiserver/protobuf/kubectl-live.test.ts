import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { decodeProtobufObject } from "./index.ts";
import { echoObject, runKubectl } from "./kubectl-harness.ts";

/** Runs the command with kubectl 1.32 (protobuf) and 1.31 (JSON); returns both bodies. */
async function bothVersions(
  args: string[],
): Promise<{ decoded: Record<string, unknown>; json: unknown; stdout: string }> {
  const proto = await runKubectl(32, args, echoObject);
  const json = await runKubectl(31, args, echoObject);
  assert.equal(proto.code, 0, proto.stderr);
  assert.equal(json.code, 0, json.stderr);
  assert.equal(proto.posts.length, 1);
  assert.match(proto.posts[0].contentType, /^application\/vnd\.kubernetes\.protobuf/);
  assert.equal(proto.posts[0].path, json.posts[0].path);
  return {
    decoded: decodeProtobufObject(proto.posts[0].body),
    json: JSON.parse(json.posts[0].body.toString()),
    stdout: proto.stdout,
  };
}

test("live: kubectl 1.32's protobuf create deployment decodes to what kubectl 1.31 sends as JSON", async () => {
  const { decoded, json, stdout } = await bothVersions([
    "create",
    "deployment",
    "live",
    "--image=registry.example.com/app:1.0",
    "--replicas=0",
    "--port=8080",
    "-n",
    "prod",
    "--validate=false",
    "--",
    "serve",
    "--verbose",
  ]);
  assert.match(stdout, /deployment\.apps\/live created/);
  assert.deepEqual(decoded, json);
  // --replicas=0 is a pointer set to zero: it must survive, not be dropped as empty
  assert.equal((decoded as { spec: { replicas: number } }).spec.replicas, 0);
});

test("live: create secret tls (PEM bytes as base64 data)", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "skiff-tls-"));
  try {
    const key = join(tmp, "tls.key");
    const cert = join(tmp, "tls.crt");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=example.com",
        "-keyout",
        key,
        "-out",
        cert,
      ],
      { stdio: "ignore" },
    );
    const { decoded, json } = await bothVersions([
      "create",
      "secret",
      "tls",
      "tls",
      `--cert=${cert}`,
      `--key=${key}`,
      "--validate=false",
    ]);
    assert.deepEqual(decoded, json);
    const data = (decoded as { data: Record<string, string> }).data;
    assert.match(Buffer.from(data["tls.crt"], "base64").toString(), /^-----BEGIN CERTIFICATE-----/);
    assert.equal((decoded as { type: string }).type, "kubernetes.io/tls");
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
