import type { ResourceInfo, ServedResource } from "../../api/resources.ts";
import type { Output } from "../http/negotiate.ts";
import type { ResourceRequest } from "../http/request-info.ts";
import type { RequestContext } from "../registry/strategy.ts";

/** Everything one resource request needs to know about itself. */
export interface RequestScope {
  info: ResourceInfo;
  served: ServedResource;
  req: ResourceRequest;
  query: URLSearchParams;
  output: Output;
  ctx: RequestContext;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer | undefined;
}

/** The part of node's ServerResponse the handlers use, so an in-process transport can stand in. */
export interface ResponseSink {
  writeHead(status: number, headers: Record<string, string | number | string[]>): unknown;
  write(chunk: string | Uint8Array): boolean;
  end(chunk?: string | Uint8Array): unknown;
  on(event: "close" | "drain", cb: () => void): unknown;
  readonly writableLength: number;
  readonly headersSent: boolean;
  flushHeaders?(): void;
  /**
   * An in-process reader takes watch events as objects: no encoding for it, no parsing on its side.
   * The objects are shared with the watch cache: readers must not mutate them.
   */
  writeEvent?(type: string, object: unknown): boolean;
}
