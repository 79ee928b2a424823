// The book's images, built here from Debian's static busybox: these machines reach no registry.
// Each behaves as the image in Kubernetes in Action does where a learner can see it.
import { readFileSync } from "node:fs";
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
  "nslookup",
  "ip",
  "ifconfig",
  "mount",
  "df",
  "uname",
  "whoami",
  "wc",
  "top",
];

function base(): TarEntry[] {
  const bin = readFileSync(BUSYBOX);
  return [
    { path: "bin", type: "dir" },
    { path: "bin/busybox", type: "file", data: bin, mode: 0o755 },
    ...applets.map((a): TarEntry => ({ path: `bin/${a}`, type: "symlink", linkTarget: "busybox" })),
    // kubectl exec ... -- curl -s http://...: the book's images have curl; wget does the same here.
    {
      path: "bin/curl",
      type: "file",
      mode: 0o755,
      data: '#!/bin/sh\nurl=""\nfor a in "$@"; do case "$a" in -*) ;; *) url="$a";; esac; done\nexec wget -qO- "$url"\n',
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

/**
 * luksa/kubia: "Kubia server starting..." on start, an HTTP server on 8080 answering
 * "You've hit <hostname>", and one log line per request. Unhealthy: from the sixth request on it
 * answers 500 "I'm not well. Please restart me!", as luksa/kubia-unhealthy does.
 */
export function kubiaImage(opts: { unhealthy?: boolean } = {}): BuiltImage {
  const ok = `printf 'Content-Type: text/plain\\r\\n\\r\\n'\necho "You've hit $(hostname)"\n`;
  const cgi = opts.unhealthy
    ? `#!/bin/sh\nn=$(cat /tmp/requests 2>/dev/null || echo 0)\nn=$((n+1))\necho $n > /tmp/requests\n` +
      `if [ $n -gt 5 ]; then printf 'HTTP/1.1 500 Internal Server Error\\r\\nContent-Type: text/plain\\r\\n\\r\\n'; echo "I'm not well. Please restart me!"; exit 0; fi\n${ok}`
    : `#!/bin/sh\n${ok}`;
  const app: TarEntry[] = [
    { path: "app", type: "dir" },
    { path: "app/www", type: "dir" },
    { path: "app/www/cgi-bin", type: "dir" },
    { path: "app/www/cgi-bin/index.cgi", type: "file", mode: 0o755, data: cgi },
    {
      path: "app/app.sh",
      type: "file",
      mode: 0o755,
      // -vv logs each request's client address, as app.js logs "Received request from ...".
      data: '#!/bin/sh\necho "Kubia server starting..."\nexec httpd -f -vv -p 8080 -h /app/www 2>&1\n',
    },
  ];
  return buildImage({
    layers: [base(), app],
    config: { Env: [PATH], Entrypoint: ["/app/app.sh"], ExposedPorts: { "8080/tcp": {} } },
  });
}

/** luksa/batch-job: works for a while (120 s in the book; SECONDS here), then exits 0. */
export function batchJobImage(seconds = 120): BuiltImage {
  return buildImage({
    layers: [base()],
    config: {
      Env: [PATH],
      Cmd: [
        "sh",
        "-c",
        `echo "$(date) Batch job starting"; sleep ${seconds}; echo "$(date) Finished succesfully"`,
      ],
    },
  });
}
