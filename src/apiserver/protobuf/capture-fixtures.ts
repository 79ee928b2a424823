// Re-captures the fixtures: `node_modules/.bin/node src/apiserver/protobuf/capture-fixtures.ts`.
// For each command, kubectl 1.32's protobuf body goes to fixtures/<name>.pb and kubectl 1.31's
// JSON body for the same command to fixtures/<name>.json (the oracle the tests compare with).
// `create secret tls` is left to kubectl-live.test.ts so that no private key is committed.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { format, resolveConfig } from "prettier";
import { CREATE_COMMANDS, echoObject, runKubectl } from "./kubectl-harness.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;

for (const [name, args] of Object.entries(CREATE_COMMANDS)) {
  const proto = await runKubectl(32, args, echoObject);
  const json = await runKubectl(31, args, echoObject);
  const pb = proto.posts[0];
  const js = json.posts[0];
  if (!pb || !pb.contentType.startsWith("application/vnd.kubernetes.protobuf")) {
    throw new Error(`${name}: kubectl 1.32 sent no protobuf body (${proto.stderr.trim()})`);
  }
  if (!js || !js.contentType.startsWith("application/json")) {
    throw new Error(`${name}: kubectl 1.31 sent no JSON body (${json.stderr.trim()})`);
  }
  writeFileSync(join(FIXTURES, `${name}.pb`), pb.body);
  const oracle = { path: js.path, body: JSON.parse(js.body.toString()) as unknown };
  const file = join(FIXTURES, `${name}.json`);
  const options = { ...(await resolveConfig(file)), filepath: file };
  writeFileSync(file, await format(JSON.stringify(oracle), options));
  console.log(
    `${name}: ${pb.body.length} bytes protobuf; kubectl 1.32 said ${proto.stdout.trim() || proto.stderr.trim()}`,
  );
}
