// A minimal etcd v3 gRPC client: unary KV calls and Watch streams over @grpc/grpc-js, failing
// over to the next endpoint when one is unavailable.
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { join } from "node:path";

export interface RawKeyValue {
  key: Buffer;
  create_revision: number;
  mod_revision: number;
  version: number;
  value: Buffer;
}

export interface RawHeader {
  revision: number;
}

export interface RangeResponse {
  header: RawHeader;
  kvs: RawKeyValue[];
  more: boolean;
  count: number;
}

export interface PutResponse {
  header: RawHeader;
  prev_kv: RawKeyValue | null;
}

export interface DeleteRangeResponse {
  header: RawHeader;
  deleted: number;
  prev_kvs: RawKeyValue[];
}

export interface TxnResponse {
  header: RawHeader;
  succeeded: boolean;
  responses: Array<{
    response_range?: RangeResponse;
    response_put?: PutResponse;
    response_delete_range?: DeleteRangeResponse;
  }>;
}

export interface RawEvent {
  type: number;
  kv: RawKeyValue;
  prev_kv: RawKeyValue | null;
}

export interface WatchResponse {
  header: RawHeader;
  watch_id: number;
  created: boolean;
  canceled: boolean;
  compact_revision: number;
  cancel_reason: string;
  events: RawEvent[];
}

/** etcd's enum values (rpc.proto). */
export const compareResult = { equal: 0, greater: 1, less: 2, notEqual: 3 } as const;
export const compareTarget = { version: 0, create: 1, mod: 2, value: 3 } as const;
export const eventType = { put: 0, delete: 1 } as const;

type Unary = (
  req: object,
  meta: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: grpc.requestCallback<any>,
) => void;

interface Connection {
  address: string;
  kv: grpc.Client & Record<string, Unary>;
  watch: grpc.Client & { Watch(opts?: grpc.CallOptions): grpc.ClientDuplexStream<object, WatchResponse> };
}

const unaryDeadlineMs = 30_000;
const channelOptions: grpc.ChannelOptions = {
  // Lists of a whole resource type can be large; kube-apiserver lifts the limit the same way.
  "grpc.max_receive_message_length": -1,
  "grpc.max_send_message_length": -1,
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
  "grpc.keepalive_permit_without_calls": 1,
};

let services: { KV: grpc.ServiceClientConstructor; Watch: grpc.ServiceClientConstructor } | undefined;

function loadServices(): NonNullable<typeof services> {
  if (!services) {
    const def = protoLoader.loadSync(join(import.meta.dirname, "etcd-rpc.proto"), {
      keepCase: true,
      longs: Number,
      enums: Number,
      defaults: true,
      oneofs: false,
    });
    const pkg = grpc.loadPackageDefinition(def).etcdserverpb as grpc.GrpcObject;
    services = {
      KV: pkg.KV as grpc.ServiceClientConstructor,
      Watch: pkg.Watch as grpc.ServiceClientConstructor,
    };
  }
  return services;
}

export function isUnavailable(err: unknown): boolean {
  const code = (err as { code?: number } | null)?.code;
  return code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED;
}

export function grpcMessage(err: unknown): string {
  return (err as { details?: string; message?: string } | null)?.details ?? String(err);
}

export interface EtcdTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export class EtcdClient {
  private readonly conns: Connection[];
  private current = 0;

  constructor(endpoints: string[], tls: EtcdTls = {}) {
    if (endpoints.length === 0) throw new Error("etcd: no endpoints");
    const { KV, Watch } = loadServices();
    this.conns = endpoints.map((endpoint) => {
      const url = new URL(endpoint.includes("://") ? endpoint : `http://${endpoint}`);
      if (url.protocol !== "http:" && url.protocol !== "https:")
        throw new Error(`etcd: only http and https endpoints are supported, got ${endpoint}`);
      const address = url.host;
      // https: the CA given (else the system's), and the client certificate when given (k3s's
      // --datastore-cafile/-certfile/-keyfile).
      const creds =
        url.protocol === "https:"
          ? grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null)
          : grpc.credentials.createInsecure();
      return {
        address,
        kv: new KV(address, creds, channelOptions) as unknown as Connection["kv"],
        watch: new Watch(address, creds, channelOptions) as unknown as Connection["watch"],
      };
    });
  }

  get endpointCount(): number {
    return this.conns.length;
  }

  /** One KV call, retried on the next endpoint while endpoints are unavailable. */
  async kv<T>(method: "Range" | "Put" | "DeleteRange" | "Txn" | "Compact", req: object): Promise<T> {
    let lastErr: unknown;
    for (let i = 0; i < this.conns.length; i++) {
      const conn = this.conns[this.current];
      try {
        return await new Promise<T>((resolve, reject) => {
          conn.kv[method](
            req,
            new grpc.Metadata(),
            { deadline: Date.now() + unaryDeadlineMs },
            (err: grpc.ServiceError | null, res?: T) => (err ? reject(err) : resolve(res as T)),
          );
        });
      } catch (err) {
        if (!isUnavailable(err)) throw err;
        lastErr = err;
        this.failover(conn);
      }
    }
    throw lastErr;
  }

  /** A new Watch stream on the endpoint currently in use. */
  openWatch(): { stream: grpc.ClientDuplexStream<object, WatchResponse>; endpoint: number } {
    const endpoint = this.current;
    return { stream: this.conns[endpoint].watch.Watch(), endpoint };
  }

  /** Moves on from an endpoint that failed, unless another caller already has. */
  failover(from: Connection | number): void {
    const index = typeof from === "number" ? from : this.conns.indexOf(from);
    if (index === this.current) this.current = (this.current + 1) % this.conns.length;
  }

  close(): void {
    for (const c of this.conns) {
      c.kv.close();
      c.watch.close();
    }
  }
}
