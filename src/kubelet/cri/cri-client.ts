// A CRI v1 client over gRPC (RuntimeService and ImageService), as the kubelet's remote runtime.
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { join } from "node:path";
import type {
  AuthConfig,
  Container,
  ContainerConfig,
  ContainerStats,
  ContainerStatus,
  FilesystemUsage,
  Image,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxStatus,
  RuntimeCondition,
} from "./cri-types.ts";

let services: { runtime: grpc.ServiceClientConstructor; image: grpc.ServiceClientConstructor } | undefined;

function loadServices(): NonNullable<typeof services> {
  if (!services) {
    const def = protoLoader.loadSync(join(import.meta.dirname, "api.proto"), {
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: false,
    });
    const pkg = (grpc.loadPackageDefinition(def).runtime as grpc.GrpcObject).v1 as grpc.GrpcObject;
    services = {
      runtime: pkg.RuntimeService as grpc.ServiceClientConstructor,
      image: pkg.ImageService as grpc.ServiceClientConstructor,
    };
  }
  return services;
}

const codeNames = [
  "OK",
  "Canceled",
  "Unknown",
  "InvalidArgument",
  "DeadlineExceeded",
  "NotFound",
  "AlreadyExists",
  "PermissionDenied",
  "ResourceExhausted",
  "FailedPrecondition",
  "Aborted",
  "OutOfRange",
  "Unimplemented",
  "Internal",
  "Unavailable",
  "DataLoss",
  "Unauthenticated",
];

/** A gRPC failure from the runtime, with the code kept so callers can tell NotFound from the rest. */
export class CriError extends Error {
  readonly code: number;
  readonly method: string;
  readonly details: string;
  constructor(method: string, code: number, details: string) {
    // Worded as Go's gRPC errors are, which is how upstream's events and statuses show them.
    super(`rpc error: code = ${codeNames[code] ?? code} desc = ${details}`);
    this.code = code;
    this.method = method;
    this.details = details;
  }
  get notFound(): boolean {
    return this.code === grpc.status.NOT_FOUND;
  }
  get unavailable(): boolean {
    return this.code === grpc.status.UNAVAILABLE;
  }
  get deadlineExceeded(): boolean {
    return this.code === grpc.status.DEADLINE_EXCEEDED;
  }
}

type Unary = (
  req: object,
  meta: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: unknown) => void,
) => void;

// The kubelet's default CRI timeout (--runtime-request-timeout) is 2 minutes; pulls have none.
const defaultTimeoutMs = 120_000;

export interface ContainerFilter {
  id?: string;
  state?: { state: string };
  pod_sandbox_id?: string;
  label_selector?: Record<string, string>;
}

export interface SandboxFilter {
  id?: string;
  state?: { state: string };
  label_selector?: Record<string, string>;
}

/** CRI v1 over a unix socket ("unix:///run/containerd/containerd.sock" or a plain path). */
export class CriClient {
  readonly endpoint: string;
  private readonly runtime: grpc.Client;
  private readonly image: grpc.Client;

  constructor(endpoint: string) {
    this.endpoint = endpoint;
    const address = endpoint.startsWith("unix://") ? endpoint : `unix://${endpoint}`;
    const { runtime, image } = loadServices();
    const creds = grpc.credentials.createInsecure();
    const options = { "grpc.max_receive_message_length": 16 * 1024 * 1024 };
    this.runtime = new runtime(address, creds, options);
    this.image = new image(address, creds, options);
  }

  private call<T>(
    client: grpc.Client,
    method: string,
    req: object,
    timeoutMs = defaultTimeoutMs,
  ): Promise<T> {
    const fn = (client as unknown as Record<string, Unary>)[method];
    return new Promise<T>((resolve, reject) => {
      fn.call(
        client,
        req,
        new grpc.Metadata(),
        timeoutMs > 0 ? { deadline: Date.now() + timeoutMs } : {},
        (err, res) =>
          err ? reject(new CriError(method, err.code, err.details || err.message)) : resolve(res as T),
      );
    });
  }

  private rt<T>(method: string, req: object, timeoutMs?: number): Promise<T> {
    return this.call<T>(this.runtime, method, req, timeoutMs);
  }

  private img<T>(method: string, req: object, timeoutMs?: number): Promise<T> {
    return this.call<T>(this.image, method, req, timeoutMs);
  }

  version(
    timeoutMs = 5000,
  ): Promise<{ runtime_name: string; runtime_version: string; runtime_api_version: string }> {
    return this.rt("Version", { version: "v1" }, timeoutMs);
  }

  async status(timeoutMs = 5000): Promise<RuntimeCondition[]> {
    const res = await this.rt<{ status?: { conditions: RuntimeCondition[] } }>("Status", {}, timeoutMs);
    return res.status?.conditions ?? [];
  }

  async runPodSandbox(config: PodSandboxConfig, runtimeHandler = ""): Promise<string> {
    const res = await this.rt<{ pod_sandbox_id: string }>("RunPodSandbox", {
      config,
      runtime_handler: runtimeHandler,
    });
    return res.pod_sandbox_id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    await this.rt("StopPodSandbox", { pod_sandbox_id: id });
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.rt("RemovePodSandbox", { pod_sandbox_id: id });
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus> {
    const res = await this.rt<{ status: PodSandboxStatus }>("PodSandboxStatus", {
      pod_sandbox_id: id,
      verbose: false,
    });
    return res.status;
  }

  async listPodSandbox(filter?: SandboxFilter): Promise<PodSandbox[]> {
    const res = await this.rt<{ items: PodSandbox[] }>("ListPodSandbox", filter ? { filter } : {});
    return res.items;
  }

  async createContainer(
    sandboxId: string,
    config: ContainerConfig,
    sandboxConfig: PodSandboxConfig,
  ): Promise<string> {
    const res = await this.rt<{ container_id: string }>("CreateContainer", {
      pod_sandbox_id: sandboxId,
      config,
      sandbox_config: sandboxConfig,
    });
    return res.container_id;
  }

  async startContainer(id: string): Promise<void> {
    await this.rt("StartContainer", { container_id: id });
  }

  /** Stops with SIGTERM (or the image's stop signal), then SIGKILL after timeoutSeconds. */
  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    // The call itself may take the whole grace period.
    await this.rt(
      "StopContainer",
      { container_id: id, timeout: timeoutSeconds },
      (timeoutSeconds + 120) * 1000,
    );
  }

  async removeContainer(id: string): Promise<void> {
    await this.rt("RemoveContainer", { container_id: id });
  }

  async listContainers(filter?: ContainerFilter): Promise<Container[]> {
    const res = await this.rt<{ containers: Container[] }>("ListContainers", filter ? { filter } : {});
    return res.containers;
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    const res = await this.rt<{ status: ContainerStatus }>("ContainerStatus", {
      container_id: id,
      verbose: false,
    });
    return res.status;
  }

  async reopenContainerLog(id: string): Promise<void> {
    await this.rt("ReopenContainerLog", { container_id: id });
  }

  async execSync(
    id: string,
    cmd: string[],
    timeoutSeconds: number,
  ): Promise<{ stdout: Buffer; stderr: Buffer; exit_code: number }> {
    return this.rt(
      "ExecSync",
      { container_id: id, cmd, timeout: timeoutSeconds },
      (timeoutSeconds + 10) * 1000,
    );
  }

  async exec(req: {
    container_id: string;
    cmd: string[];
    tty: boolean;
    stdin: boolean;
    stdout: boolean;
    stderr: boolean;
  }): Promise<string> {
    const res = await this.rt<{ url: string }>("Exec", req);
    return res.url;
  }

  async attach(req: {
    container_id: string;
    tty: boolean;
    stdin: boolean;
    stdout: boolean;
    stderr: boolean;
  }): Promise<string> {
    const res = await this.rt<{ url: string }>("Attach", req);
    return res.url;
  }

  async portForward(sandboxId: string, ports: number[]): Promise<string> {
    const res = await this.rt<{ url: string }>("PortForward", { pod_sandbox_id: sandboxId, port: ports });
    return res.url;
  }

  async listContainerStats(): Promise<ContainerStats[]> {
    const res = await this.rt<{ stats: ContainerStats[] }>("ListContainerStats", {});
    return res.stats;
  }

  async listImages(): Promise<Image[]> {
    const res = await this.img<{ images: Image[] }>("ListImages", {});
    return res.images;
  }

  /** The image, or undefined when the runtime does not have it. */
  async imageStatus(image: string): Promise<Image | undefined> {
    const res = await this.img<{ image: Image | null }>("ImageStatus", { image: { image }, verbose: false });
    return res.image ?? undefined;
  }

  /** Pulls and answers the image reference (digest) the runtime stored it under. */
  async pullImage(image: string, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig): Promise<string> {
    const res = await this.img<{ image_ref: string }>(
      "PullImage",
      { image: { image }, auth, sandbox_config: sandboxConfig },
      0,
    );
    return res.image_ref;
  }

  async removeImage(image: string): Promise<void> {
    await this.img("RemoveImage", { image: { image } });
  }

  async imageFsInfo(): Promise<FilesystemUsage[]> {
    const res = await this.img<{ image_filesystems: FilesystemUsage[] }>("ImageFsInfo", {});
    return res.image_filesystems;
  }

  close(): void {
    this.runtime.close();
    this.image.close();
  }
}
