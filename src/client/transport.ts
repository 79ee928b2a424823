import { Agent, request as httpsRequest } from "node:https";

/** A watch event handed over as an object by an in-process transport (decoded, shared: read only). */
export interface WatchEventChunk {
  type: string;
  object: unknown;
}

export interface TransportResponse {
  statusCode: number;
  body: AsyncIterable<Buffer | string | WatchEventChunk>;
}

/** How a client's requests reach an API server: HTTPS, or in-process through the same handler chain. */
export interface Transport {
  open(
    method: string,
    pathAndQuery: string,
    headers: Record<string, string>,
    body: string | undefined,
    signal?: AbortSignal,
  ): Promise<TransportResponse>;
  close(): void;
}

export interface HttpsTransportConfig {
  server: string;
  ca: string;
  cert?: string;
  key?: string;
}

export class HttpsTransport implements Transport {
  private agent: Agent;
  private readonly url: URL;
  private readonly retired: Agent[] = [];

  constructor(config: HttpsTransportConfig) {
    this.url = new URL(config.server);
    this.agent = HttpsTransport.agentFor(config);
  }

  private static agentFor(config: { ca: string; cert?: string; key?: string }): Agent {
    return new Agent({ keepAlive: true, maxSockets: 64, ca: config.ca, cert: config.cert, key: config.key });
  }

  /**
   * A rotated client certificate: new requests connect with it. Connections already open (watches
   * among them) were authenticated at their handshake and keep going, as client-go's do.
   */
  setCredentials(creds: { ca: string; cert?: string; key?: string }): void {
    this.retired.push(this.agent);
    this.agent = HttpsTransport.agentFor(creds);
  }

  open(
    method: string,
    pathAndQuery: string,
    headers: Record<string, string>,
    body: string | undefined,
    signal?: AbortSignal,
  ): Promise<TransportResponse> {
    const h: Record<string, string | number> = { ...headers };
    if (body !== undefined) h["Content-Length"] = Buffer.byteLength(body);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: this.url.hostname.replace(/^\[|\]$/g, ""),
          port: this.url.port || 443,
          method,
          path: pathAndQuery,
          headers: h,
          agent: this.agent,
          signal,
        },
        (res) => resolve({ statusCode: res.statusCode ?? 0, body: res }),
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
    for (const a of this.retired.splice(0)) a.destroy();
  }
}
