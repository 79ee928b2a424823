import type { IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { StatusError } from "../apimachinery/status-error.ts";

export interface ContainerLogRequest {
  namespace: string;
  pod: string;
  uid: string;
  container: string;
  previous: boolean;
}

/** One log line: its sequence number in the container's log (for follow), CRI timestamp and text. */
export interface LogLine {
  seq: number;
  time: string;
  text: string;
}

export interface ContainerLog {
  lines: LogLine[];
  /** The container still runs, so more lines may come. */
  running: boolean;
}

/** A node agent's answer to the API server: what upstream asks of a kubelet on :10250. */
export interface KubeletConnection {
  serves(nodeName: string): boolean;
  /** Throws a StatusError (400) when the container has no such log, in the kubelet's words. */
  containerLogs(nodeName: string, req: ContainerLogRequest): ContainerLog;
}

/** A node's kubelet API address (status.addresses InternalIP, daemonEndpoints port). */
export interface KubeletAddress {
  host: string;
  port: number;
}

export interface RemoteKubelets {
  /** The API server's kubelet client certificate and the cluster CA. */
  tls: { cert: string; key: string; ca: string };
  address(nodeName: string): Promise<KubeletAddress>;
}

/**
 * How the API server reaches node agents. Simulated nodes' agent runs in this process and registers
 * itself; real nodes are dialled on their kubelet port over TLS, with the API server's client
 * certificate, as upstream's kube-apiserver does.
 */
export class KubeletConnections {
  private readonly agents = new Set<KubeletConnection>();
  private remote?: RemoteKubelets;

  add(agent: KubeletConnection): () => void {
    this.agents.add(agent);
    return () => this.agents.delete(agent);
  }

  configureRemote(remote: RemoteKubelets): void {
    this.remote = remote;
  }

  /** The in-process agent serving the node (a simulated one), if any. */
  local(nodeName: string): KubeletConnection | undefined {
    for (const a of this.agents) if (a.serves(nodeName)) return a;
    return undefined;
  }

  for(nodeName: string): KubeletConnection {
    const a = this.local(nodeName);
    if (a) return a;
    // What kube-apiserver answers when it cannot reach a node's kubelet.
    throw new StatusError(
      500,
      "InternalError",
      `Get "https://${nodeName}:10250/containerLogs": no node agent for node "${nodeName}" is connected`,
    );
  }

  /** A TLS connection to the node's kubelet API; `path` names the call for error messages. */
  async dial(nodeName: string, path: string): Promise<{ socket: TLSSocket; address: KubeletAddress }> {
    if (!this.remote)
      throw new StatusError(
        500,
        "InternalError",
        `no kubelet client is configured to reach node "${nodeName}"`,
      );
    const address = await this.remote.address(nodeName);
    const { tls } = this.remote;
    const socket = await new Promise<TLSSocket>((resolve, reject) => {
      const s = tlsConnect({
        host: address.host,
        port: address.port,
        cert: tls.cert,
        key: tls.key,
        ca: tls.ca,
        // The kubelet's certificate is checked against the cluster CA; its names are the node's own.
        checkServerIdentity: () => undefined,
        timeout: 10_000,
      });
      s.once("secureConnect", () => resolve(s));
      s.once("timeout", () => {
        s.destroy();
        reject(new Error("i/o timeout"));
      });
      s.once("error", reject);
    }).catch((e: NodeJS.ErrnoException) => {
      const why =
        e.code === "ECONNREFUSED"
          ? "connect: connection refused"
          : e.code === "EHOSTUNREACH"
            ? "connect: no route to host"
            : e.message;
      throw new StatusError(
        500,
        "InternalError",
        `Get "https://${address.host}:${address.port}${path}": dial tcp ${address.host}:${address.port}: ${why}`,
      );
    });
    return { socket, address };
  }

  /** A GET on the node's kubelet API (container logs); the response streams as the kubelet writes it. */
  async get(nodeName: string, path: string, signal?: AbortSignal): Promise<IncomingMessage> {
    const { socket, address } = await this.dial(nodeName, path);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: address.host,
          port: address.port,
          path,
          method: "GET",
          createConnection: () => socket,
          signal,
        },
        resolve,
      );
      req.on("error", reject);
      req.end();
    });
  }
}
