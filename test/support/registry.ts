// A real image registry (Debian's docker-registry) on loopback, with images pushed over the
// registry API as `docker push` does, so nodes pull them through containerd's real pull path.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MANIFEST_V2, type BuiltImage } from "../../src/kubelet/images/image-builder.ts";
import { freePort } from "./server.ts";

export interface LocalRegistry {
  /** host:port */
  host: string;
  url: string;
  proc: ChildProcess;
  push(repo: string, tag: string, image: BuiltImage): Promise<void>;
  /** registries.yaml (k3s format) sending pulls of docker.io and this host to this registry. */
  registriesYaml(): string;
  stop(): Promise<void>;
}

/** `address`: where it listens (loopback; a bridge address so nodes in namespaces reach it). */
export async function startRegistry(opts: { address?: string } = {}): Promise<LocalRegistry> {
  const address = opts.address ?? "127.0.0.1";
  const dir = mkdtempSync(join(tmpdir(), "skiff-registry-"));
  const port = await freePort();
  const config = join(dir, "config.yml");
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\n` +
      `http:\n  addr: ${address}:${port}\n`,
  );
  const proc = spawn("docker-registry", ["serve", config], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const url = `http://${address}:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/v2/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 100 || proc.exitCode !== null) throw new Error(`docker-registry did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const putBlob = async (repo: string, digest: string, data: Buffer) => {
    if ((await fetch(`${url}/v2/${repo}/blobs/${digest}`, { method: "HEAD" })).ok) return;
    const start = await fetch(`${url}/v2/${repo}/blobs/uploads/`, { method: "POST" });
    if (start.status !== 202) throw new Error(`blob upload start: ${start.status}`);
    const loc = new URL(start.headers.get("location")!, url);
    loc.searchParams.set("digest", digest);
    const put = await fetch(loc, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: data,
    });
    if (put.status !== 201) throw new Error(`blob upload: ${put.status} ${await put.text()}`);
  };
  return {
    host: `${address}:${port}`,
    url,
    proc,
    async push(repo, tag, image) {
      for (const l of image.layers) await putBlob(repo, l.digest, l.gz);
      await putBlob(repo, image.configDigest, image.config);
      const res = await fetch(`${url}/v2/${repo}/manifests/${tag}`, {
        method: "PUT",
        headers: { "content-type": MANIFEST_V2 },
        body: image.manifest,
      });
      if (res.status !== 201) throw new Error(`manifest push: ${res.status} ${await res.text()}`);
    },
    registriesYaml: () => `mirrors:\n  docker.io:\n    endpoint:\n      - "${url}"\n`,
    async stop() {
      proc.kill();
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A registry that wants a login: HTTP Basic in front of a local registry, answering 401 with a
 * challenge as a private registry does, so pulls need the pod's imagePullSecrets.
 */
export async function startAuthProxy(
  upstream: LocalRegistry,
  opts: { address: string; username: string; password: string },
): Promise<{ host: string; url: string; stop(): Promise<void> }> {
  const expected = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString("base64")}`;
  const server = createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401, {
        "www-authenticate": 'Basic realm="skiff-test"',
        "content-type": "application/json",
        "docker-distribution-api-version": "registry/2.0",
      });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    const target = new URL(req.url ?? "/", upstream.url);
    const out = request(
      target,
      { method: req.method, headers: { ...req.headers, host: target.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, opts.address, r));
  return {
    host: `${opts.address}:${port}`,
    url: `http://${opts.address}:${port}`,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
