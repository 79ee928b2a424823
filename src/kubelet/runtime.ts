import type { KObject } from "../apimachinery/meta.ts";
import type { ContainerLog } from "../apiserver/kubelet-connections.ts";
import type { ProbeOutcome, ProbeSpec } from "./probe-worker.ts";

/** The container spec fields a runtime needs. */
export interface ContainerSpec {
  name: string;
  image?: string;
  [field: string]: unknown;
}

export interface StartedContainer {
  /** "<runtime>://<id>", as containerStatuses[].containerID. */
  containerID: string;
  /** The image as the runtime resolved it ("docker.io/library/nginx:latest"). */
  image: string;
  /** The image digest reference ("docker.io/library/nginx@sha256:..."). */
  imageID: string;
  startedAt: Date;
}

export interface ContainerExit {
  exitCode: number;
  /** "Completed" for exit code 0, else "Error" (as the CRI reports). */
  reason: string;
  finishedAt: Date;
}

/**
 * What the kubelet asks of a container runtime (the CRI's shape, reduced to what pod workers use).
 * Exits are reported through the callback given at start, as an evented PLEG would.
 */
export interface ContainerRuntime {
  /** The runtime's name and version, as node.status.nodeInfo.containerRuntimeVersion "<name>://<version>". */
  readonly name: string;
  readonly version: string;
  startContainer(
    pod: KObject,
    container: ContainerSpec,
    kind: "init" | "regular",
    onExit: (exit: ContainerExit) => void,
  ): Promise<StartedContainer>;
  /** Stops a running container after at most gracePeriodMs; its onExit fires once it has stopped. */
  stopContainer(containerID: string, gracePeriodMs: number): Promise<void>;
  /** Forgets a container without reporting its exit (the pod is gone). */
  removeContainer(containerID: string): void;
  /** Runs an httpGet, tcpSocket, exec or grpc probe against a running container at podIP. */
  probe(
    containerID: string,
    container: ContainerSpec,
    podIP: string,
    spec: ProbeSpec,
    timeoutMs: number,
  ): Promise<ProbeOutcome>;
  /** A container's log, running or exited (until removed). */
  logs(containerID: string): ContainerLog | undefined;
}

/** A probe's port, by number or by the name of one of the container's ports. */
export function resolvePort(container: ContainerSpec, port: number | string): number | undefined {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(port)) return Number(port);
  const ports = (container.ports ?? []) as Array<{ name?: string; containerPort?: number }>;
  return ports.find((p) => p.name === port)?.containerPort;
}
