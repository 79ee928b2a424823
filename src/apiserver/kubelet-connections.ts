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

/**
 * How the API server reaches node agents for logs. Agents in this process register themselves;
 * upstream dials the node's kubelet address instead.
 */
export class KubeletConnections {
  private readonly agents = new Set<KubeletConnection>();

  add(agent: KubeletConnection): () => void {
    this.agents.add(agent);
    return () => this.agents.delete(agent);
  }

  for(nodeName: string): KubeletConnection {
    for (const a of this.agents) if (a.serves(nodeName)) return a;
    // What kube-apiserver answers when it cannot reach a node's kubelet.
    throw new StatusError(
      500,
      "InternalError",
      `Get "https://${nodeName}:10250/containerLogs": no node agent for node "${nodeName}" is connected`,
    );
  }
}
