// Starts a real single-member etcd for tests: free ports on 127.0.0.1, a throw-away data dir.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const etcdBinary = process.env.ETCD_BIN ?? "/usr/bin/etcd";

export interface RunningEtcd {
  endpoint: string;
  /** With `tls`: the CA, and a client certificate etcd accepts. */
  tls?: { ca: string; cert: string; key: string };
  stop(): Promise<void>;
}

/** A CA, etcd's serving certificate for 127.0.0.1 and a client certificate, made by openssl. */
function makeTls(dir: string): {
  ca: string;
  cert: string;
  key: string;
  serverCert: string;
  serverKey: string;
} {
  const f = (n: string) => join(dir, n);
  const ossl = (args: string[]) => execFileSync("openssl", args, { stdio: "ignore" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  ossl([
    "req",
    "-x509",
    ...ec,
    "-keyout",
    f("ca.key"),
    "-out",
    f("ca.crt"),
    "-subj",
    "/CN=etcd-ca",
    "-days",
    "1",
  ]);
  const leaf = (name: string, ext: string) => {
    ossl([
      "req",
      "-new",
      ...ec,
      "-keyout",
      f(`${name}.key`),
      "-out",
      f(`${name}.csr`),
      "-subj",
      `/CN=${name}`,
    ]);
    writeFileSync(f(`${name}.ext`), ext);
    ossl(
      ["x509", "-req", "-in", f(`${name}.csr`), "-CA", f("ca.crt"), "-CAkey", f("ca.key")].concat([
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        f(`${name}.ext`),
        "-out",
        f(`${name}.crt`),
      ]),
    );
  };
  leaf("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  leaf("client", "extendedKeyUsage=clientAuth\n");
  return {
    ca: f("ca.crt"),
    cert: f("client.crt"),
    key: f("client.key"),
    serverCert: f("server.crt"),
    serverKey: f("server.key"),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function healthy(endpoint: string, tls?: boolean): Promise<boolean> {
  // A TLS etcd that requires client certificates is up once its port accepts connections.
  if (tls)
    return new Promise((resolve) => {
      const s = connect(Number(new URL(endpoint).port), "127.0.0.1", () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { health?: string };
    return res.ok && body.health === "true";
  } catch {
    return false;
  }
}

/** `tls`: clients must speak TLS and show a certificate from the test's CA (--client-cert-auth). */
export async function startEtcd(opts: { tls?: boolean } = {}): Promise<RunningEtcd> {
  if (!existsSync(etcdBinary)) {
    throw new Error(
      `etcd not found at ${etcdBinary}: install Debian's etcd-server package (apt-get install etcd-server) or set ETCD_BIN`,
    );
  }
  const dataDir = mkdtempSync(join(tmpdir(), "skiff-etcd-"));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const endpoint = `${opts.tls ? "https" : "http"}://127.0.0.1:${clientPort}`;
  const certs = opts.tls ? makeTls(mkdtempSync(join(tmpdir(), "skiff-etcd-tls-"))) : undefined;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child: ChildProcess = spawn(
    etcdBinary,
    [
      "--name=skiff-test",
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=skiff-test=${peer}`,
      "--initial-cluster-state=new",
      "--log-level=error",
      ...(certs
        ? [
            `--cert-file=${certs.serverCert}`,
            `--key-file=${certs.serverKey}`,
            `--trusted-ca-file=${certs.ca}`,
            "--client-cert-auth",
          ]
        : []),
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (s: string) => {
    stderr = (stderr + s).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 20_000;
  while (!(await healthy(endpoint, opts.tls))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`etcd did not become healthy on ${endpoint}:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { endpoint, ...(certs ? { tls: { ca: certs.ca, cert: certs.cert, key: certs.key } } : {}), stop };
}
