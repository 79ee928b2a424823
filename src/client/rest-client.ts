import { HttpsTransport, type Transport, type TransportResponse } from "./transport.ts";
import { StatusError, type Status } from "../apimachinery/status-error.ts";
import type { KObject } from "../apimachinery/meta.ts";
import type { ApiClient } from "./interface.ts";

export interface ClientConfig {
  /** Where requests go; defaults to HTTPS to `server` with the given credentials. */
  transport?: Transport;
  server?: string;
  ca?: string;
  token?: string;
  cert?: string;
  key?: string;
  userAgent?: string;
}

export interface ResourceRef {
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** Accept header; metadata-only clients ask for PartialObjectMetadata. */
  accept?: string;
}

export function resourcePath(
  ref: ResourceRef,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  let p = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  if (ref.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${ref.resource}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

function toStatusError(code: number, text: string): StatusError {
  try {
    const s = JSON.parse(text) as Status;
    if (s.kind === "Status")
      return new StatusError(s.code ?? code, s.reason ?? "", s.message ?? text, s.details);
  } catch {
    // not a Status body
  }
  return new StatusError(code, "", text || `HTTP ${code}`);
}

/** The Kubernetes REST API over HTTPS, as client-go's rest.Interface: every component's only way in. */
export class RestClient implements ApiClient {
  private readonly config: ClientConfig;
  private readonly transport: Transport;

  constructor(config: ClientConfig) {
    this.config = config;
    this.transport =
      config.transport ??
      new HttpsTransport({ server: config.server!, ca: config.ca!, cert: config.cert, key: config.key });
  }

  close(): void {
    this.transport.close();
  }

  /** Connects with a rotated client certificate from now on (HTTPS transports only). */
  setCredentials(creds: { ca: string; cert?: string; key?: string }): void {
    if (this.transport instanceof HttpsTransport) this.transport.setCredentials(creds);
  }

  private open(method: string, path: string, opts: RequestOptions): Promise<TransportResponse> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) qs.set(k, String(v));
    const body =
      opts.body === undefined
        ? undefined
        : typeof opts.body === "string"
          ? opts.body
          : JSON.stringify(opts.body);
    const headers: Record<string, string> = {
      Accept: opts.accept ?? "application/json",
      "User-Agent": this.config.userAgent ?? "skiff",
    };
    if (this.config.token) headers.Authorization = `Bearer ${this.config.token}`;
    if (body !== undefined) headers["Content-Type"] = opts.contentType ?? "application/json";
    return this.transport.open(method, qs.size ? `${path}?${qs}` : path, headers, body, opts.signal);
  }

  async request<T = KObject>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.open(method, path, opts);
    const text = await readAll(res.body);
    const code = res.statusCode;
    if (code < 200 || code >= 300) throw toStatusError(code, text);
    return (text ? JSON.parse(text) : {}) as T;
  }

  get(ref: ResourceRef, namespace: string, name: string): Promise<KObject> {
    return this.request("GET", resourcePath(ref, namespace, name));
  }

  list(
    ref: ResourceRef,
    namespace?: string,
    query?: RequestOptions["query"],
  ): Promise<{ metadata: { resourceVersion: string; continue?: string }; items: KObject[] }> {
    return this.request("GET", resourcePath(ref, namespace), { query });
  }

  /** POST to the collection, or to a subresource of one object (e.g. pods/NAME/binding). */
  create(
    ref: ResourceRef,
    namespace: string,
    obj: unknown,
    subresourceOf?: { name: string; subresource: string },
  ): Promise<KObject> {
    const path = subresourceOf
      ? resourcePath(ref, namespace, subresourceOf.name, subresourceOf.subresource)
      : resourcePath(ref, namespace);
    return this.request("POST", path, { body: obj });
  }

  update(
    ref: ResourceRef,
    namespace: string,
    name: string,
    obj: unknown,
    subresource?: string,
  ): Promise<KObject> {
    return this.request("PUT", resourcePath(ref, namespace, name, subresource), { body: obj });
  }

  patch(
    ref: ResourceRef,
    namespace: string,
    name: string,
    patch: unknown,
    type: "merge" | "json" | "strategic" = "merge",
    subresource?: string,
  ): Promise<KObject> {
    const contentType = {
      merge: "application/merge-patch+json",
      json: "application/json-patch+json",
      strategic: "application/strategic-merge-patch+json",
    }[type];
    return this.request("PATCH", resourcePath(ref, namespace, name, subresource), {
      body: patch,
      contentType,
    });
  }

  delete(ref: ResourceRef, namespace: string, name: string, options?: unknown): Promise<KObject> {
    return this.request("DELETE", resourcePath(ref, namespace, name), { body: options });
  }

  /**
   * Streams watch events until the server ends the stream or signal aborts. Resolves when the stream
   * ends; a 410 arrives as an ERROR event.
   */
  async watch(
    ref: ResourceRef,
    namespace: string | undefined,
    query: RequestOptions["query"],
    onEvent: (type: string, object: KObject) => void,
    signal: AbortSignal,
    opts: { accept?: string } = {},
  ): Promise<void> {
    const res = await this.open("GET", resourcePath(ref, namespace), {
      query: { ...query, watch: "true" },
      signal,
      accept: opts.accept,
    });
    const code = res.statusCode;
    if (code !== 200) {
      throw toStatusError(code, await readAll(res.body));
    }
    let buf = "";
    try {
      for await (const chunk of res.body) {
        if (typeof chunk === "object" && !Buffer.isBuffer(chunk)) {
          // In-process: the event comes decoded; text chunks always end on a line, so buf is empty.
          onEvent(chunk.type, chunk.object as KObject);
          continue;
        }
        buf += typeof chunk === "string" ? chunk : chunk.toString("utf8");
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line.trim()) continue;
          const ev = JSON.parse(line) as { type: string; object: KObject };
          onEvent(ev.type, ev.object);
        }
      }
    } catch (e) {
      if (!signal.aborted) throw e;
    }
  }
}

async function readAll(body: TransportResponse["body"]): Promise<string> {
  let text = "";
  const chunks: Buffer[] = [];
  for await (const c of body) {
    if (typeof c === "string") text += c;
    else if (Buffer.isBuffer(c)) chunks.push(c);
  }
  return chunks.length ? Buffer.concat(chunks).toString("utf8") : text;
}
