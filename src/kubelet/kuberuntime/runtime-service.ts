import type {
  AuthConfig,
  Container,
  ContainerConfig,
  ContainerStats,
  ContainerStatus,
  Image,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxStatus,
  RuntimeCondition,
} from "../cri/cri-types.ts";
import type { ContainerFilter, SandboxFilter } from "../cri/cri-client.ts";

/**
 * The CRI calls the kubelet's pod workers make. CriClient serves them from containerd; the
 * simulated CRI serves them without processes (unit tests, and the runtime contract suite).
 */
export interface RuntimeService {
  version(): Promise<{ runtime_name: string; runtime_version: string }>;
  status(): Promise<RuntimeCondition[]>;
  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  podSandboxStatus(id: string): Promise<PodSandboxStatus>;
  listPodSandbox(filter?: SandboxFilter): Promise<PodSandbox[]>;
  createContainer(
    sandboxId: string,
    config: ContainerConfig,
    sandboxConfig: PodSandboxConfig,
  ): Promise<string>;
  startContainer(id: string): Promise<void>;
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  listContainers(filter?: ContainerFilter): Promise<Container[]>;
  containerStatus(id: string): Promise<ContainerStatus>;
  execSync(
    id: string,
    cmd: string[],
    timeoutSeconds: number,
  ): Promise<{ stdout: Buffer; stderr: Buffer; exit_code: number }>;
  imageStatus(image: string): Promise<Image | undefined>;
  pullImage(image: string, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig): Promise<string>;
  listImages(): Promise<Image[]>;
  /** Cumulative CPU and working-set memory of each running container (not every runtime has them). */
  listContainerStats?(): Promise<ContainerStats[]>;
  /** Reopens a container's log file after rotation (not every runtime can). */
  reopenContainerLog?(id: string): Promise<void>;
}

// The labels and annotations upstream's kubelet puts on sandboxes and containers
// (pkg/kubelet/kuberuntime/labels.go); they are how a restarted agent finds its pods again.
export const labelPodName = "io.kubernetes.pod.name";
export const labelPodNamespace = "io.kubernetes.pod.namespace";
export const labelPodUid = "io.kubernetes.pod.uid";
export const labelContainerName = "io.kubernetes.container.name";
export const annotationRestartCount = "io.kubernetes.container.restartCount";
export const annotationContainerHash = "io.kubernetes.container.hash";
export const annotationTerminationMessagePath = "io.kubernetes.container.terminationMessagePath";
export const annotationGracePeriod = "io.kubernetes.pod.terminationGracePeriod";
/** Which of the pod's lists the container came from: "init" or "regular" (skiff's own). */
export const annotationContainerKind = "skiff.dev/container-kind";
/** Marks what skiff's kubelet created, so it never touches another's sandboxes. */
export const labelManagedBy = "skiff.dev/kubelet";
