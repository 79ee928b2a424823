import { mkdirSync } from "node:fs";
import { homedir, hostname } from "node:os";
import { isIP } from "node:net";
import { join, resolve } from "node:path";
import { ApiServer } from "../apiserver/server.ts";
import { TokenAuthenticator } from "../apiserver/authn.ts";
import { ensureSystemNamespaces } from "../apiserver/bootstrap.ts";
import { ensurePki, writeKubeconfig } from "../apiserver/pki/index.ts";
import { Compactor } from "../storage/compactor.ts";
import { RestClient } from "../client/rest-client.ts";
import { ControllerManager } from "../controllers/manager.ts";
import { EtcdStore } from "../storage/etcd/etcd-store.ts";
import { SqliteStore } from "../storage/sqlite/sqlite-store.ts";
import type { Store } from "../storage/types.ts";
import { realClock } from "../util/clock.ts";
import { createLogger, isLogLevel, type Logger } from "../util/logger.ts";
import { parseDuration, parseFlags, UsageError, type FlagSpec } from "./flags.ts";

export const serverFlags: FlagSpec[] = [
  {
    name: "data-dir",
    alias: "d",
    type: "string",
    default: "~/.skiff",
    usage: "folder for the store, TLS material and kubeconfig",
  },
  { name: "https-listen-port", type: "number", default: 6443, usage: "HTTPS listen port" },
  { name: "bind-address", type: "string", default: "127.0.0.1", usage: "address the API server listens on" },
  {
    name: "datastore-endpoint",
    type: "string",
    default: "",
    usage: "etcd endpoints (http://HOST:PORT[,...]); default: SQLite in the data dir",
  },
  {
    name: "write-kubeconfig",
    alias: "o",
    type: "string",
    default: "",
    usage: "where to write the admin kubeconfig (default DATA-DIR/kubeconfig.yaml)",
  },
  { name: "write-kubeconfig-mode", type: "string", default: "0600", usage: "file mode of the kubeconfig" },
  {
    name: "disable-agent",
    type: "boolean",
    default: false,
    usage: "do not run a node agent in this process",
  },
  {
    name: "tls-san",
    type: "list",
    default: [],
    usage: "extra host names or IPs for the serving certificate",
  },
  { name: "log-level", type: "string", default: "info", usage: "debug, info, warn or error" },
  {
    name: "compaction-interval",
    type: "string",
    default: "5m",
    usage: "how often old revisions are compacted away",
  },
];

function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? join(homedir(), p.slice(2)) : p;
}

async function openStore(endpoint: string, dataDir: string, logger: Logger): Promise<Store> {
  if (!endpoint || endpoint.startsWith("sqlite://")) {
    const file = endpoint ? endpoint.slice("sqlite://".length) : join(dataDir, "db", "state.db");
    if (file !== ":memory:") mkdirSync(resolve(file, ".."), { recursive: true, mode: 0o700 });
    logger.info("using SQLite datastore", { file });
    return SqliteStore.open(file);
  }
  const endpoints = endpoint.split(",").map((e) => e.trim());
  for (const e of endpoints) {
    if (!/^https?:\/\/[^/]+\/?$/.test(e))
      throw new UsageError(
        `invalid --datastore-endpoint "${e}": expected http://HOST:PORT[,http://HOST:PORT...]`,
      );
  }
  logger.info("using etcd datastore", { endpoints });
  return EtcdStore.connect(endpoints.map((e) => e.replace(/^https?:\/\//, "").replace(/\/$/, "")));
}

export async function runServer(argv: string[]): Promise<number> {
  const { values: f, args } = parseFlags(serverFlags, argv);
  if (args.length) throw new UsageError(`unexpected argument "${args[0]}"`);
  const level = String(f["log-level"]);
  if (!isLogLevel(level))
    throw new UsageError(`invalid --log-level "${level}": use debug, info, warn or error`);
  const logger = createLogger(level, { component: "skiff-server" });
  const dataDir = resolve(expandHome(String(f["data-dir"])));
  const port = Number(f["https-listen-port"]);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`invalid --https-listen-port ${port}`);
  const bind = String(f["bind-address"]);
  if (!isIP(bind)) throw new UsageError(`invalid --bind-address "${bind}": must be an IP address`);
  const mode = parseInt(String(f["write-kubeconfig-mode"]), 8);
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777)
    throw new UsageError(`invalid --write-kubeconfig-mode "${String(f["write-kubeconfig-mode"])}"`);
  const compactionMs = parseDuration(String(f["compaction-interval"]));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  const clientHost = bind === "0.0.0.0" || bind === "::" ? "127.0.0.1" : bind;
  const sans = [hostname(), ...(f["tls-san"] as string[]), "10.43.0.1"];
  if (bind !== "0.0.0.0" && bind !== "::") sans.push(bind);
  const pki = ensurePki(join(dataDir, "tls"), { hosts: sans });
  const tokens = new TokenAuthenticator();
  tokens.add(pki.adminToken, { name: "system:admin", groups: ["system:masters"] });

  const store = await openStore(String(f["datastore-endpoint"]), dataDir, logger);
  const controller = new AbortController();
  // Signals are caught from the start, so a stop during start-up is as clean as any other.
  const stopped = new Promise<void>((resolveStop) => {
    const stop = (sig: string) => {
      logger.info("shutting down", { signal: sig });
      controller.abort();
      resolveStop();
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  const apiserver = new ApiServer({
    store,
    tokens,
    clock: realClock,
    logger: logger.with({ component: "apiserver" }),
    config: {
      bindAddress: bind,
      port,
      advertiseAddress: `${clientHost}:${port}`,
      tls: { cert: pki.serverCertPem, key: pki.serverKeyPem, ca: pki.caCertPem },
    },
  });
  const boundPort = await apiserver.start(controller.signal);
  await ensureSystemNamespaces(apiserver.registry, realClock);
  const compactor = new Compactor({
    store,
    intervalMs: compactionMs,
    logger: logger.with({ component: "compactor" }),
    onCompacted: (rev) => apiserver.broadcaster.compacted(rev),
  });
  const compacting = compactor.run(controller.signal);

  const host = clientHost.includes(":") ? `[${clientHost}]` : clientHost;
  // Controllers reach the API server over the same HTTPS API as every other client.
  const client = new RestClient({
    server: `https://${host}:${boundPort}`,
    ca: pki.caCertPem,
    token: pki.adminToken,
    userAgent: "skiff-controller-manager",
  });
  const controllers = new ControllerManager({
    client,
    clock: realClock,
    logger: logger.with({ component: "controller-manager" }),
  }).run(controller.signal);

  const kubeconfig = resolve(expandHome(String(f["write-kubeconfig"] || join(dataDir, "kubeconfig.yaml"))));
  writeKubeconfig(kubeconfig, mode, { server: `https://${host}:${boundPort}`, pki });
  logger.info("wrote kubeconfig", { kubeconfig });
  if (!f["disable-agent"]) logger.info("node agent not available yet; running the control plane only");
  logger.info("skiff is ready", {
    address: `https://${host}:${boundPort}`,
    startupMs: Math.round(performance.now()),
  });

  await stopped;
  // Components get a moment to finish their current work; shutdown never waits longer than that.
  await Promise.race([
    Promise.all([compacting.catch(() => {}), controllers]),
    new Promise((r) => setTimeout(r, 3000).unref()),
  ]);
  client.close();
  await store.close();
  logger.info("stopped");
  return 0;
}
