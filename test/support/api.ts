import { request } from "node:https";
import { readFileSync } from "node:fs";
import { parse } from "yaml";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body as received, for binary (protobuf) answers. */
  bytes: Buffer;
  json(): any;
}

/** A response read as it streams (watches). */
export interface StreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Exactly n bytes, waiting for them to arrive. */
  read(n: number): Promise<Buffer>;
  close(): void;
}

/** Plain HTTPS requests with the admin credentials from a kubeconfig, for wire-level checks. */
export class Api {
  readonly server: string;
  private readonly ca: string;
  private readonly cert: string;
  private readonly key: string;

  constructor(kubeconfigPath: string) {
    const kc = parse(readFileSync(kubeconfigPath, "utf8")) as any;
    this.server = kc.clusters[0].cluster.server;
    this.ca = Buffer.from(kc.clusters[0].cluster["certificate-authority-data"], "base64").toString();
    this.cert = Buffer.from(kc.users[0].user["client-certificate-data"], "base64").toString();
    this.key = Buffer.from(kc.users[0].user["client-key-data"], "base64").toString();
  }

  send(
    method: string,
    path: string,
    body?: string | Buffer | object,
    headers: Record<string, string> = {},
    opts: { anonymous?: boolean } = {},
  ): Promise<RawResponse> {
    const u = new URL(path, this.server);
    const data =
      body === undefined
        ? undefined
        : typeof body === "string" || Buffer.isBuffer(body)
          ? body
          : JSON.stringify(body);
    const h: Record<string, string | number> = { Accept: "application/json", ...headers };
    if (data !== undefined) {
      h["Content-Type"] ??= "application/json";
      h["Content-Length"] = Buffer.byteLength(data);
    }
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname + u.search,
          method,
          headers: h,
          ca: this.ca,
          cert: opts.anonymous ? undefined : this.cert,
          key: opts.anonymous ? undefined : this.key,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const bytes = Buffer.concat(chunks);
            const text = bytes.toString();
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text,
              bytes,
              json: () => JSON.parse(text),
            });
          });
        },
      );
      req.on("error", reject);
      req.end(data);
    });
  }

  /** A GET whose body is read incrementally. */
  stream(path: string, headers: Record<string, string> = {}): Promise<StreamResponse> {
    const u = new URL(path, this.server);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname + u.search,
          method: "GET",
          headers: { Accept: "application/json", ...headers },
          ca: this.ca,
          cert: this.cert,
          key: this.key,
        },
        (res) => {
          let buffered = Buffer.alloc(0);
          let wake: (() => void) | undefined;
          res.on("data", (c: Buffer) => {
            buffered = Buffer.concat([buffered, c]);
            wake?.();
          });
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            read: async (n) => {
              while (buffered.length < n) await new Promise<void>((r) => (wake = r));
              const out = buffered.subarray(0, n);
              buffered = buffered.subarray(n);
              return out;
            },
            close: () => req.destroy(),
          });
        },
      );
      req.on("error", reject);
      req.end();
    });
  }
}
