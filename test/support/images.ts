// The book's images, built here from Debian's static busybox: these machines reach no registry.
// Each behaves as the image in Kubernetes in Action does where a learner can see it.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildImage, type BuiltImage } from "../../src/kubelet/images/image-builder.ts";
import type { TarEntry } from "../../src/util/tar.ts";

const BUSYBOX = "/bin/busybox";
const applets = [
  "sh",
  "cat",
  "echo",
  "sleep",
  "ls",
  "ps",
  "hostname",
  "httpd",
  "wget",
  "nc",
  "kill",
  "date",
  "env",
  "id",
  "mkdir",
  "rm",
  "touch",
  "grep",
  "seq",
  "head",
  "tail",
  "true",
  "false",
  "expr",
  "printf",
  "test",
  "timeout",
  "nslookup",
  // The book pings a service (chapter 5): its virtual IP resolves but never answers.
  "ping",
  "ip",
  "ifconfig",
  "mount",
  "df",
  "uname",
  "whoami",
  "wc",
  "top",
  // kubectl cp runs tar in the container; dd fills memory for the OOM test; stty reads the terminal size.
  "tar",
  "dd",
  "stty",
  "tr",
];

function base(): TarEntry[] {
  const bin = readFileSync(BUSYBOX);
  return [
    { path: "bin", type: "dir" },
    { path: "bin/busybox", type: "file", data: bin, mode: 0o755 },
    ...applets.map((a): TarEntry => ({ path: `bin/${a}`, type: "symlink", linkTarget: "busybox" })),
    // kubectl exec ... -- curl -s http://...: the book's images have curl; wget does the same here
    // (bounded by timeout: busybox's own wget -T crashes).
    {
      path: "bin/curl",
      type: "file",
      mode: 0o755,
      data: '#!/bin/sh\nurl=""\nfor a in "$@"; do case "$a" in -*) ;; *) url="$a";; esac; done\nexec timeout 10 wget -qO- "$url"\n',
    },
    { path: "etc", type: "dir" },
    {
      path: "etc/passwd",
      type: "file",
      data: "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
    },
    { path: "etc/group", type: "file", data: "root:x:0:\nnogroup:x:65534:\n" },
    { path: "tmp", type: "dir", mode: 0o1777 },
    { path: "root", type: "dir", mode: 0o700 },
    { path: "var", type: "dir" },
  ];
}

const PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** busybox: `sh`, `sleep`, `wget` and the rest. */
export function busyboxImage(): BuiltImage {
  return buildImage({ layers: [base()], config: { Env: [PATH], Cmd: ["sh"] } });
}

const examples = resolve(import.meta.dirname, "../../examples");
const example = (path: string) => readFileSync(join(examples, path), "utf8");
const script = (path: string, from: string): TarEntry => ({
  path,
  type: "file",
  mode: 0o755,
  data: example(from),
});

/** luksa/kubia (examples/kubia), or luksa/kubia-unhealthy: 500 from the sixth request on. */
export function kubiaImage(opts: { unhealthy?: boolean } = {}): BuiltImage {
  const app: TarEntry[] = [
    { path: "app", type: "dir" },
    { path: "app/www", type: "dir" },
    { path: "app/www/cgi-bin", type: "dir" },
    script("app/www/cgi-bin/index.cgi", opts.unhealthy ? "kubia-unhealthy/index.cgi" : "kubia/index.cgi"),
    script("app/app.sh", "kubia/app.sh"),
  ];
  return buildImage({
    layers: [base(), app],
    config: { Env: [PATH], Entrypoint: ["/app/app.sh"], ExposedPorts: { "8080/tcp": {} } },
  });
}

/** luksa/batch-job (examples/batch-job): works for a while (120 s in the book), then exits 0. */
export function batchJobImage(seconds = 120): BuiltImage {
  return buildImage({
    layers: [base(), [script("run.sh", "batch-job/run.sh")]],
    config: { Env: [PATH, `BATCH_SECONDS=${seconds}`], Entrypoint: ["/run.sh"] },
  });
}

/** luksa/ssd-monitor (examples/ssd-monitor): runs until stopped. */
export function ssdMonitorImage(): BuiltImage {
  return buildImage({
    layers: [base(), [script("run.sh", "ssd-monitor/run.sh")]],
    config: { Env: [PATH], Entrypoint: ["/run.sh"] },
  });
}

/**
 * busybox with the shared libraries this machine's `node` binary links (found with ldd), so that
 * a pod can run that binary from a hostPath mount: in-cluster clients written in JS.
 */
export function nodeLibsImage(nodeBinary: string): BuiltImage {
  const out = execFileSync("ldd", [nodeBinary], { encoding: "utf8" });
  const files = new Set<string>();
  for (const line of out.split("\n")) {
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (m) files.add(m[1]!);
  }
  // Debian merges /lib into /usr/lib: the image keeps the same links, and the files under usr/.
  const under = (p: string) => (p.startsWith("/usr/") ? p.slice(1) : `usr${p}`);
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = under(f).split("/").slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  const libs: TarEntry[] = [
    ...[...dirs].sort().map((d): TarEntry => ({ path: d, type: "dir" })),
    { path: "lib", type: "symlink", linkTarget: "usr/lib" },
    { path: "lib64", type: "symlink", linkTarget: "usr/lib64" },
    ...[...files].map((f): TarEntry => ({
      path: under(f),
      type: "file",
      data: readFileSync(f),
      mode: 0o755,
    })),
  ];
  return buildImage({ layers: [base(), libs], config: { Env: [PATH], Cmd: ["sh"] } });
}
