import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { readFileSync } from "node:fs";
import { RestClient } from "../client/rest-client.ts";
import { createLogger, isLogLevel } from "../util/logger.ts";
import { expandHome, parseFlags, stopOnSignal, UsageError, type FlagSpec } from "./flags.ts";
import { JoinError, joinCluster, type JoinInput } from "./agent-join.ts";
import { runAgentCertRotation } from "./agent-cert-rotation.ts";
import { RotatingTls } from "../util/rotating-tls.ts";
import { nodeFlags, parseNodeFlags } from "./node-flags.ts";
import { runNodeAgent } from "./run-node.ts";

export const agentFlags: FlagSpec[] = [
  { name: "server", alias: "s", type: "string", default: "", usage: "URL of the API server to join" },
  {
    name: "token",
    alias: "t",
    type: "string",
    default: "",
    usage: "join token (the server's DATA-DIR/token)",
  },
  { name: "token-file", type: "string", default: "", usage: "file holding the join token" },
  {
    name: "data-dir",
    alias: "d",
    type: "string",
    default: "~/.skiff",
    usage: "folder for the node's identity, containerd, pods and logs (under DATA-DIR/agent)",
  },
  { name: "log-level", type: "string", default: "info", usage: "debug, info, warn or error" },
  ...nodeFlags,
];

/** `skiff agent`: a node that joins a cluster with the server's token, as `k3s agent` does. */
export async function runAgent(argv: string[]): Promise<number> {
  const { values: f, args } = parseFlags(agentFlags, argv);
  if (args.length) throw new UsageError(`unexpected argument "${args[0]}"`);
  const level = String(f["log-level"]);
  if (!isLogLevel(level))
    throw new UsageError(`invalid --log-level "${level}": use debug, info, warn or error`);
  const server = String(f.server);
  if (!server) throw new UsageError("--server is required: the URL of the API server to join");
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`invalid --server "${server}": expected a URL such as https://10.0.0.1:6443`);
  }
  if (url.protocol !== "https:")
    throw new UsageError(`invalid --server "${server}": the API server speaks https`);
  let token = String(f.token);
  if (!token && f["token-file"]) {
    try {
      token = readFileSync(String(f["token-file"]), "utf8").trim();
    } catch (e) {
      throw new UsageError(`cannot read --token-file: ${(e as Error).message}`);
    }
  }
  if (!token) throw new UsageError("--token (or --token-file) is required: the server's DATA-DIR/token");
  const dataDir = resolve(expandHome(String(f["data-dir"])));
  const options = parseNodeFlags(f, dataDir);
  const logger = createLogger(level, { component: "skiff-agent" });

  const controller = new AbortController();
  const stopped = stopOnSignal(logger, controller);
  let id;
  const joinInput: JoinInput = {
    server: url.origin,
    token,
    agentDir: join(dataDir, "agent"),
    nodeName: options.nodeName,
    ips: [options.nodeIP],
    hostnames: [hostname(), options.nodeName],
  };
  try {
    id = await joinCluster(joinInput);
  } catch (e) {
    if (e instanceof JoinError) {
      logger.error("cannot join the cluster", { server: url.origin, reason: e.message });
      process.stderr.write(`skiff agent: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  logger.info("joined the cluster", { server: url.origin, node: options.nodeName });
  const client = new RestClient({
    server: url.origin,
    ca: id.ca,
    cert: id.clientCert,
    key: id.clientKey,
    userAgent: `kubelet/${options.nodeName}`,
  });
  const networkClient = new RestClient({
    server: url.origin,
    ca: id.ca,
    cert: id.networkCert,
    key: id.clientKey,
    userAgent: `kube-proxy/${options.nodeName}`,
  });
  const servingTls = new RotatingTls({ cert: id.servingCert, key: id.servingKey, ca: id.ca });
  const agent = runNodeAgent(
    {
      client,
      networkClient,
      options,
      tls: servingTls,
      logger,
    },
    controller.signal,
  );
  const rotation = runAgentCertRotation(
    {
      join: joinInput,
      identity: id,
      apply: (next) => {
        client.setCredentials({ ca: next.ca, cert: next.clientCert, key: next.clientKey });
        networkClient.setCredentials({ ca: next.ca, cert: next.networkCert, key: next.clientKey });
        servingTls.set({ cert: next.servingCert, key: next.servingKey, ca: next.ca });
      },
      logger: logger.with({ component: "certificates" }),
    },
    controller.signal,
  );
  logger.info("skiff agent is ready", { node: options.nodeName, startupMs: Math.round(performance.now()) });
  await stopped;
  await Promise.race([Promise.all([agent, rotation]), new Promise((r) => setTimeout(r, 10_000).unref())]);
  client.close();
  networkClient.close();
  logger.info("stopped");
  return 0;
}
