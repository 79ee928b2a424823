// A fast HTTP backend for traffic benchmarks (and a Node.js runtime for test pods): this machine's Node.js and the shared libraries it
// links against, copied into an image, running a keep-alive server that answers with its hostname.
// The book's kubia image (busybox httpd, one process per request) would make the backend, not the
// proxy, the bottleneck being measured.
import { execFileSync } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { buildImage, type BuiltImage } from "../../src/kubelet/images/image-builder.ts";
import type { TarEntry } from "../../src/util/tar.ts";

const SERVER = `const http = require("node:http");
const name = require("node:os").hostname();
const body = "You've hit " + name + "\\n";
http.createServer({ keepAliveTimeout: 60000 }, (req, res) => {
  res.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(body) });
  res.end(body);
}).listen(8080, () => console.log("echo listening on 8080"));
`;

export function echoImage(): BuiltImage {
  const node = realpathSync(process.execPath);
  const libs = execFileSync("ldd", [node])
    .toString()
    .split("\n")
    .map((l) => /(\/\S+) \(0x/.exec(l)?.[1])
    .filter((p): p is string => !!p);
  const entries: TarEntry[] = [
    { path: "usr", type: "dir" },
    { path: "usr/bin", type: "dir" },
    { path: "usr/bin/node", type: "file", data: readFileSync(node), mode: 0o755 },
    { path: "app", type: "dir" },
    { path: "app/server.js", type: "file", data: SERVER },
    { path: "tmp", type: "dir", mode: 0o1777 },
  ];
  const dirs = new Set<string>();
  for (const lib of libs) {
    const parts = lib.slice(1).split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  for (const d of [...dirs].sort())
    if (d !== "usr" && d !== "usr/bin") entries.push({ path: d, type: "dir" });
  for (const lib of libs)
    entries.push({ path: lib.slice(1), type: "file", data: readFileSync(realpathSync(lib)), mode: 0o755 });
  return buildImage({
    layers: [entries],
    config: {
      Env: ["PATH=/usr/bin:/bin"],
      Entrypoint: ["/usr/bin/node", "/app/server.js"],
      ExposedPorts: { "8080/tcp": {} },
    },
  });
}
