import { mkdirSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { isIP } from "node:net";
import { join, resolve } from "node:path";
import { ApiServer } from "../apiserver/server.ts";
import { TokenAuthenticator, parseTokenFile } from "../apiserver/authn.ts";
import { ensureSystemNamespaces } from "../apiserver/bootstrap.ts";
import { reconcileBootstrapPolicy } from "../apiserver/auth/bootstrap-policy.ts";
import { ServiceAccountTokens, ensureServiceAccountKey } from "../apiserver/auth/service-account-tokens.ts";
import { ensurePki, writeKubeconfig } from "../apiserver/pki/index.ts";
import { Compactor } from "../storage/compactor.ts";
import { RestClient } from "../client/rest-client.ts";
import { refFor } from "../controllers/refs.ts";
import { InProcessTransport } from "../client/in-process-transport.ts";
import { CONTROLLER_MANAGER_USER, SCHEDULER_USER } from "../controllers/identities.ts";
import { hostIPv4, KubernetesServiceReconciler } from "../apiserver/allocators/index.ts";
import { ControllerManager } from "../controllers/manager.ts";
import { controllers } from "../controllers/all.ts";
import { SqliteStore } from "../storage/sqlite/sqlite-store.ts";
import type { Store } from "../storage/types.ts";
import { realClock } from "../util/clock.ts";
import { createLogger, isLogLevel, type Logger } from "../util/logger.ts";
import {
  expandHome,
  parseDuration,
  parseFlags,
  stopOnSignal,
  UsageError,
  type FlagSpec,
  type FlagValues,
} from "./flags.ts";
import type { ControllerOptions } from "../controllers/types.ts";
import { issueNodeCerts, type NodeCertRequest } from "../apiserver/pki/index.ts";
import { RotatingTls } from "../util/rotating-tls.ts";
import { runServerCertRotation } from "./cert-rotation.ts";
import { ensureJoinToken } from "../apiserver/node-join.ts";
import { nodeFlags, parseCidrFlag, parseNodeFlags } from "./node-flags.ts";
import { ipToInt, parseCidr } from "../kubelet/ip-allocator.ts";
import { runNodeAgent } from "./run-node.ts";
import { NODE_NETWORK_GROUP } from "../apiserver/auth/bootstrap-roles.ts";
import { parseAddressPool } from "../controllers/servicelb/address-pool.ts";

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
    name: "cert-lifetime",
    type: "string",
    default: "8760h",
    usage:
      "how long the certificates the cluster CA signs last; they are renewed while running when less than a quarter of that is left",
  },
  {
    name: "advertise-address",
    type: "string",
    default: "",
    usage:
      "address the `kubernetes` Service sends pods to (default: --bind-address unless it is loopback or 0.0.0.0, else the node's IP); a loopback-bound server also listens there when its node runs",
  },
  {
    name: "datastore-endpoint",
    type: "string",
    default: "",
    usage: "etcd endpoints (http[s]://HOST:PORT[,...]); default: SQLite in the data dir",
  },
  {
    name: "datastore-cafile",
    type: "string",
    default: "",
    usage: "CA bundle that etcd's certificate is checked against",
  },
  { name: "datastore-certfile", type: "string", default: "", usage: "client certificate for etcd" },
  { name: "datastore-keyfile", type: "string", default: "", usage: "the client certificate's key" },
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
  {
    name: "token-auth-file",
    type: "string",
    default: "",
    usage: 'static bearer tokens, CSV lines token,user,uid,"group1,group2" (kube-apiserver\'s flag)',
  },
  { name: "log-level", type: "string", default: "info", usage: "debug, info, warn or error" },
  {
    name: "compaction-interval",
    type: "string",
    default: "5m",
    usage: "how often old revisions are compacted away",
  },
  {
    name: "service-cidr",
    type: "string",
    default: "10.43.0.0/16",
    usage: "IPv4 range for service cluster IPs",
  },
  {
    name: "service-node-port-range",
    type: "string",
    default: "30000-32767",
    usage: "port range for NodePort services",
  },
  {
    name: "service-lb-pool",
    type: "list",
    default: [],
    usage:
      "addresses for LoadBalancer services, CIDR or FIRST-LAST (repeatable); each is announced by one node. Default: the nodes' own addresses",
  },
  {
    name: "horizontal-pod-autoscaler-sync-period",
    type: "string",
    default: "15s",
    usage: "how often each HorizontalPodAutoscaler is reconciled",
  },
  {
    name: "horizontal-pod-autoscaler-downscale-stabilization",
    type: "string",
    default: "5m",
    usage: "how far back the autoscaler looks for a higher recommendation before scaling down",
  },
  {
    name: "metric-resolution",
    type: "string",
    default: "15s",
    usage: "how often the metrics API (metrics.k8s.io) scrapes each node's kubelet (metrics-server's flag)",
  },
  {
    name: "default-local-storage-path",
    type: "string",
    default: "",
    usage: "where local-path volumes are made on each node (default: DATA-DIR/storage)",
  },
  {
    name: "node-monitor-grace-period",
    type: "string",
    default: "40s",
    usage: "how long a node may be silent before it is marked unhealthy",
  },
  {
    name: "default-not-ready-toleration-seconds",
    type: "number",
    default: 300,
    usage: "toleration added to pods for the not-ready taint",
  },
  {
    name: "default-unreachable-toleration-seconds",
    type: "number",
    default: 300,
    usage: "toleration added to pods for the unreachable taint",
  },
  {
    name: "disable-scheduler",
    type: "boolean",
    default: false,
    usage: "do not run the scheduler in this server",
  },
  {
    name: "disable-controller-manager",
    type: "boolean",
    default: false,
    usage: "do not run the controllers in this server",
  },
  ...nodeFlags,
];

function readTlsFile(flag: string, file: string): Buffer | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(resolve(expandHome(file)));
  } catch (e) {
    throw new UsageError(`cannot read --${flag} ${file}: ${(e as Error).message}`);
  }
}

async function openStore(
  endpoint: string,
  dataDir: string,
  logger: Logger,
  f: Record<string, unknown>,
): Promise<Store> {
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
  const tls = {
    ca: readTlsFile("datastore-cafile", String(f["datastore-cafile"] ?? "")),
    cert: readTlsFile("datastore-certfile", String(f["datastore-certfile"] ?? "")),
    key: readTlsFile("datastore-keyfile", String(f["datastore-keyfile"] ?? "")),
  };
  if (!tls.cert !== !tls.key)
    throw new UsageError("--datastore-certfile and --datastore-keyfile are given together");
  if ((tls.ca || tls.cert) && endpoints.some((e) => e.startsWith("http://")))
    throw new UsageError("--datastore-cafile/--datastore-certfile need https:// etcd endpoints");
  logger.info("using etcd datastore", { endpoints });
  // gRPC is loaded only for etcd: it costs start-up time and memory the SQLite default does not need.
  const { EtcdStore } = await import("../storage/etcd/etcd-store.ts");
  return EtcdStore.connect(
    endpoints.map((e) => e.replace(/\/$/, "")),
    { tls },
  );
}

function parseControllerOptions(f: FlagValues): ControllerOptions {
  const cidr = String(f["service-cidr"]);
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) < 8 || Number(m[5]) > 30) {
    throw new UsageError(`invalid --service-cidr "${cidr}": expected an IPv4 CIDR such as 10.43.0.0/16`);
  }
  const range = /^(\d+)-(\d+)$/.exec(String(f["service-node-port-range"]));
  const lo = Number(range?.[1]);
  const hi = Number(range?.[2]);
  if (!range || lo < 1 || hi > 65535 || lo > hi) {
    throw new UsageError(
      `invalid --service-node-port-range "${String(f["service-node-port-range"])}": expected LOW-HIGH`,
    );
  }
  const tolerations = ["default-not-ready-toleration-seconds", "default-unreachable-toleration-seconds"].map(
    (n) => {
      const v = Number(f[n]);
      if (!Number.isInteger(v) || v < 0) throw new UsageError(`invalid --${n} ${String(f[n])}`);
      return v;
    },
  );
  const pool = parseAddressPool(f["service-lb-pool"] as string[]);
  if (typeof pool === "string") throw new UsageError(`invalid --service-lb-pool ${pool}`);
  return {
    serviceLbPool: pool.length ? pool : undefined,
    nodeMonitorGracePeriodMs: parseDuration(String(f["node-monitor-grace-period"])),
    defaultNotReadyTolerationSeconds: tolerations[0],
    defaultUnreachableTolerationSeconds: tolerations[1],
    serviceCidr: cidr,
    serviceNodePortRange: [lo, hi],
    clusterCidr: parseCidrFlag("cluster-cidr", String(f["cluster-cidr"])),
    clusterDNS: clusterDnsIP(f, cidr),
    hpaSyncPeriodMs: parseDuration(String(f["horizontal-pod-autoscaler-sync-period"])),
    hpaDownscaleStabilizationMs: parseDuration(
      String(f["horizontal-pod-autoscaler-downscale-stabilization"]),
    ),
  };
}

/** The kube-dns Service's address: the first --cluster-dns, which must be in the service CIDR. */
function clusterDnsIP(f: FlagValues, serviceCidr: string): string {
  const ip = (f["cluster-dns"] as string[]).flatMap((d) => d.split(",")).filter(Boolean)[0] ?? "10.43.0.10";
  const n = ipToInt(ip);
  if (n === undefined) throw new UsageError(`invalid --cluster-dns "${ip}": an IPv4 address is required`);
  const cidr = parseCidr(serviceCidr);
  if (cidr && (n < cidr.base || n >= cidr.base + cidr.size))
    throw new UsageError(`invalid --cluster-dns "${ip}": it must be in --service-cidr ${serviceCidr}`);
  return ip;
}

const isLoopback = (ip: string) => ip === "::1" || ip.startsWith("127.");

/** kube-apiserver's --advertise-address: the flag, else a specific bind address, else the node's or the machine's IP. */
export function advertiseAddress(flag: string, bind: string, nodeIP: string | undefined): string {
  if (flag) {
    if (isIP(flag) !== 4)
      throw new UsageError(`invalid --advertise-address "${flag}": an IPv4 address is required`);
    if (isLoopback(flag) || flag === "0.0.0.0")
      throw new UsageError(
        `invalid --advertise-address "${flag}": pods cannot reach a loopback or unspecified address`,
      );
    return flag;
  }
  if (isIP(bind) === 4 && !isLoopback(bind) && bind !== "0.0.0.0") return bind;
  return nodeIP ?? hostIPv4() ?? bind;
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
  const controllerOptions = parseControllerOptions(f);
  controllerOptions.localStoragePath = resolve(
    expandHome(String(f["default-local-storage-path"] || join(dataDir, "storage"))),
  );
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const nodeOptions = f["disable-agent"] ? undefined : parseNodeFlags(f, dataDir);
  if (
    nodeOptions?.renewIntervalMs &&
    nodeOptions.renewIntervalMs >= controllerOptions.nodeMonitorGracePeriodMs
  )
    logger.warn(
      "the node's Lease is renewed less often than --node-monitor-grace-period: healthy nodes will flap NotReady; shorten --node-lease-duration-seconds",
      {
        renewEvery: `${nodeOptions.renewIntervalMs / 1000}s`,
        gracePeriod: `${controllerOptions.nodeMonitorGracePeriodMs / 1000}s`,
      },
    );

  const advertise = advertiseAddress(String(f["advertise-address"]), bind, nodeOptions?.nodeIP);
  // Pods reach the API through the `kubernetes` Service, which points at the advertised address.
  const extraBind = nodeOptions && isLoopback(bind) && !isLoopback(advertise) ? [advertise] : [];
  const clientHost = bind === "0.0.0.0" || bind === "::" ? "127.0.0.1" : bind;
  const sans = [hostname(), ...(f["tls-san"] as string[]), "10.43.0.1"];
  if (bind !== "0.0.0.0" && bind !== "::") sans.push(bind);
  if (nodeOptions) sans.push(nodeOptions.nodeIP);
  if (!sans.includes(advertise)) sans.push(advertise);
  const certLifetimeMs = parseDuration(String(f["cert-lifetime"]));
  if (!(certLifetimeMs >= 10_000))
    throw new UsageError(`invalid --cert-lifetime "${String(f["cert-lifetime"])}": at least 10s is required`);
  const pki = ensurePki(join(dataDir, "tls"), { hosts: sans, leafLifetimeMs: certLifetimeMs });
  const tokens = new TokenAuthenticator();
  tokens.add(pki.adminToken, { name: "system:admin", groups: ["system:masters"] });
  const tokenFile = String(f["token-auth-file"]);
  if (tokenFile) for (const t of parseTokenFile(readFileSync(tokenFile, "utf8"))) tokens.add(t.token, t.user);

  const joinToken = ensureJoinToken(join(dataDir, "token"), pki.caCertPem);
  const store = await openStore(String(f["datastore-endpoint"]), dataDir, logger, f);
  const controller = new AbortController();
  // Signals are caught from the start, so a stop during start-up is as clean as any other.
  const stopped = stopOnSignal(logger, controller);
  const serviceAccountTokens = new ServiceAccountTokens(ensureServiceAccountKey(join(dataDir, "tls")));
  const apiserver = new ApiServer({
    serviceAccountTokens,
    store,
    tokens,
    join: { pki, token: joinToken },
    clock: realClock,
    logger: logger.with({ component: "apiserver" }),
    config: {
      bindAddress: bind,
      extraBindAddresses: extraBind,
      port,
      advertiseAddress: `${clientHost}:${port}`,
      metricResolutionMs: parseDuration(String(f["metric-resolution"])),
      tls: { cert: pki.serverCertPem, key: pki.serverKeyPem, ca: pki.caCertPem },
      serviceCidr: controllerOptions.serviceCidr,
      nodePortRange: controllerOptions.serviceNodePortRange,
      defaultTolerationSeconds: {
        notReady: controllerOptions.defaultNotReadyTolerationSeconds,
        unreachable: controllerOptions.defaultUnreachableTolerationSeconds,
      },
    },
  });
  apiserver.configureKubeletClient({
    cert: pki.kubeletClientCertPem,
    key: pki.kubeletClientKeyPem,
    ca: pki.caCertPem,
  });
  const boundPort = await apiserver.start(controller.signal);
  await ensureSystemNamespaces(apiserver.registry, realClock);
  await reconcileBootstrapPolicy(apiserver.registry, realClock);
  const compactor = new Compactor({
    store,
    intervalMs: compactionMs,
    logger: logger.with({ component: "compactor" }),
    onCompacted: (rev) => apiserver.broadcaster.compacted(rev),
  });
  const compacting = compactor.run(controller.signal);

  const host = clientHost.includes(":") ? `[${clientHost}]` : clientHost;
  // Controllers use the API as every client does, through the full handler chain, in-process: no TLS or sockets.
  const componentClients: RestClient[] = [];
  const inProcess = (user: { name: string; groups: string[] }, userAgent: string) => {
    const c = new RestClient({ transport: new InProcessTransport(apiserver, user), userAgent });
    componentClients.push(c);
    return c;
  };
  // The API server's own loopback identity (upstream's system:apiserver, in system:masters).
  const client = inProcess(
    { name: "system:apiserver", groups: ["system:masters", "system:authenticated"] },
    "kube-apiserver/v1.32.0 (skiff)",
  );
  const managerClient = inProcess(
    { name: CONTROLLER_MANAGER_USER, groups: ["system:authenticated"] },
    "kube-controller-manager/v1.32.0 (skiff)",
  );
  // The `kubernetes` Service in default, pointing at this API server, kept as upstream's bootstrap controller does.
  const kubernetesService = new KubernetesServiceReconciler({
    client,
    clock: realClock,
    logger: logger.with({ component: "kubernetes-service" }),
    serviceIP: apiserver.allocator.kubernetesServiceIP,
    endpointIP: advertise,
    port: boundPort,
  }).run(controller.signal);
  const controlLoops = new ControllerManager({
    client: managerClient,
    clientFor: (id) =>
      inProcess(
        { name: id.name, groups: id.groups },
        id.name === SCHEDULER_USER
          ? "kube-scheduler/v1.32.0 (skiff)"
          : `kube-controller-manager/v1.32.0 (skiff)${id.serviceAccount ? `/${id.serviceAccount}` : ""}`,
      ),
    clock: realClock,
    logger: logger.with({ component: "controller-manager" }),
    options: {
      ...controllerOptions,
      rootCaPem: pki.caCertPem,
      issueLegacyToken: (ns, sa, secret) => serviceAccountTokens.issueLegacy(ns, sa, secret),
    },
    kubelets: apiserver.kubelets,
    controllers: controllers.filter((c) =>
      c.name === "scheduler" ? !f["disable-scheduler"] : !f["disable-controller-manager"],
    ),
  }).run(controller.signal);

  const kubeconfig = resolve(expandHome(String(f["write-kubeconfig"] || join(dataDir, "kubeconfig.yaml"))));
  writeKubeconfig(kubeconfig, mode, { server: `https://${host}:${boundPort}`, pki });
  logger.info("wrote kubeconfig", { kubeconfig });
  let nodeAgent: Promise<void> = Promise.resolve();
  let nodeTls: { tls: RotatingTls; request: NodeCertRequest } | undefined;
  if (nodeOptions) {
    const request: NodeCertRequest = {
      nodeName: nodeOptions.nodeName,
      ips: [nodeOptions.nodeIP],
      hostnames: [hostname()],
    };
    const certs = issueNodeCerts(pki, request);
    nodeTls = {
      request,
      tls: new RotatingTls({ cert: certs.serving.certPem, key: certs.serving.keyPem, ca: pki.caCertPem }),
    };
    // The server's own kubelet reaches the API in-process, as its node identity.
    const nodeClient = new RestClient({
      transport: new InProcessTransport(apiserver, {
        name: `system:node:${nodeOptions.nodeName}`,
        groups: ["system:nodes", "system:authenticated"],
      }),
      userAgent: `kubelet/${nodeOptions.nodeName}`,
    });
    const networkClient = new RestClient({
      transport: new InProcessTransport(apiserver, {
        name: "system:kube-proxy",
        groups: [NODE_NETWORK_GROUP, "system:authenticated"],
      }),
      userAgent: `kube-proxy/${nodeOptions.nodeName}`,
    });
    nodeAgent = runNodeAgent(
      {
        client: nodeClient,
        networkClient,
        options: nodeOptions,
        tls: nodeTls.tls,
        logger,
      },
      controller.signal,
    ).finally(() => {
      nodeClient.close();
      networkClient.close();
    });
    void labelControlPlane(client, nodeOptions.nodeName, controller.signal);
  }
  const rotation = runServerCertRotation(
    {
      tlsDir: join(dataDir, "tls"),
      hosts: sans,
      pki,
      apiserver,
      kubeconfig: { path: kubeconfig, mode, server: `https://${host}:${boundPort}` },
      node: nodeTls,
      logger: logger.with({ component: "certificates" }),
    },
    controller.signal,
  );
  logger.info("skiff is ready", {
    address: `https://${host}:${boundPort}`,
    startupMs: Math.round(performance.now()),
  });

  await stopped;
  // Components get a moment to finish their current work; shutdown never waits longer than that.
  await Promise.race([
    Promise.all([
      compacting.catch(() => {}),
      rotation,
      controlLoops,
      kubernetesService.catch(() => {}),
      nodeAgent,
    ]),
    new Promise((r) => setTimeout(r, 10_000).unref()),
  ]);
  for (const c of componentClients) c.close();
  await store.close();
  logger.info("stopped");
  return 0;
}

/**
 * The server's own node is a control-plane node (k3s's labels). NodeRestriction keeps a kubelet
 * from giving itself node-role labels, so the server sets them, as k3s does, once the Node exists.
 */
async function labelControlPlane(client: RestClient, name: string, signal: AbortSignal): Promise<void> {
  const labels = {
    "node-role.kubernetes.io/control-plane": "true",
    "node-role.kubernetes.io/master": "true",
  };
  while (!signal.aborted) {
    try {
      await client.patch(refFor("", "nodes"), "", name, { metadata: { labels } }, "merge");
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
