// The CRI v1 messages the kubelet reads and writes, as @grpc/proto-loader presents them
// (field names as in api.proto, 64-bit integers as decimal strings, enums by name).

export type Int64 = string | number;

export interface KeyValue {
  key: string;
  value: string;
}

export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

export interface PortMapping {
  protocol?: "TCP" | "UDP" | "SCTP";
  container_port: number;
  host_port: number;
  host_ip?: string;
}

export interface DNSConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

export interface NamespaceOption {
  network?: "POD" | "CONTAINER" | "NODE" | "TARGET";
  pid?: "POD" | "CONTAINER" | "NODE" | "TARGET";
  ipc?: "POD" | "CONTAINER" | "NODE" | "TARGET";
  target_id?: string;
}

export interface Capability {
  add_capabilities?: string[];
  drop_capabilities?: string[];
}

export interface LinuxSandboxSecurityContext {
  namespace_options?: NamespaceOption;
  run_as_user?: { value: Int64 };
  run_as_group?: { value: Int64 };
  readonly_rootfs?: boolean;
  supplemental_groups?: Int64[];
  privileged?: boolean;
}

export interface LinuxPodSandboxConfig {
  cgroup_parent?: string;
  security_context?: LinuxSandboxSecurityContext;
  sysctls?: Record<string, string>;
  overhead?: LinuxContainerResources;
  resources?: LinuxContainerResources;
}

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname?: string;
  log_directory?: string;
  dns_config?: DNSConfig;
  port_mappings?: PortMapping[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  linux?: LinuxPodSandboxConfig;
}

export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata;
  state: "SANDBOX_READY" | "SANDBOX_NOTREADY";
  created_at: Int64;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface PodSandboxStatus extends PodSandbox {
  network?: { ip: string; additional_ips?: Array<{ ip: string }> };
}

export interface LinuxContainerResources {
  cpu_period?: Int64;
  cpu_quota?: Int64;
  cpu_shares?: Int64;
  memory_limit_in_bytes?: Int64;
  oom_score_adj?: Int64;
  cpuset_cpus?: string;
  cpuset_mems?: string;
}

export interface LinuxContainerSecurityContext {
  capabilities?: Capability;
  privileged?: boolean;
  namespace_options?: NamespaceOption;
  run_as_user?: { value: Int64 };
  run_as_group?: { value: Int64 };
  run_as_username?: string;
  readonly_rootfs?: boolean;
  supplemental_groups?: Int64[];
  no_new_privs?: boolean;
  masked_paths?: string[];
  readonly_paths?: string[];
}

export interface Mount {
  container_path: string;
  host_path: string;
  readonly?: boolean;
  selinux_relabel?: boolean;
  propagation?: "PROPAGATION_PRIVATE" | "PROPAGATION_HOST_TO_CONTAINER" | "PROPAGATION_BIDIRECTIONAL";
}

export interface ImageSpec {
  image: string;
  annotations?: Record<string, string>;
}

export interface ContainerConfig {
  metadata: { name: string; attempt: number };
  image: ImageSpec;
  command?: string[];
  args?: string[];
  working_dir?: string;
  envs?: KeyValue[];
  mounts?: Mount[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  log_path?: string;
  stdin?: boolean;
  stdin_once?: boolean;
  tty?: boolean;
  linux?: { resources?: LinuxContainerResources; security_context?: LinuxContainerSecurityContext };
}

export type ContainerStateName =
  "CONTAINER_CREATED" | "CONTAINER_RUNNING" | "CONTAINER_EXITED" | "CONTAINER_UNKNOWN";

export interface Container {
  id: string;
  pod_sandbox_id: string;
  metadata: { name: string; attempt: number };
  image: ImageSpec;
  image_ref: string;
  state: ContainerStateName;
  created_at: Int64;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ContainerStatus {
  id: string;
  metadata: { name: string; attempt: number };
  state: ContainerStateName;
  created_at: Int64;
  started_at: Int64;
  finished_at: Int64;
  exit_code: number;
  image: ImageSpec;
  image_ref: string;
  reason: string;
  message: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  log_path: string;
}

export interface Image {
  id: string;
  repo_tags: string[];
  repo_digests: string[];
  size: Int64;
}

export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  server_address?: string;
  identity_token?: string;
  registry_token?: string;
}

export interface RuntimeCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

export interface ContainerStats {
  attributes: { id: string; metadata: { name: string }; labels?: Record<string, string> };
  cpu?: { timestamp: Int64; usage_core_nano_seconds?: { value: Int64 } };
  memory?: { timestamp: Int64; working_set_bytes?: { value: Int64 } };
  writable_layer?: { used_bytes?: { value: Int64 } };
}

export interface FilesystemUsage {
  timestamp: Int64;
  fs_id?: { mountpoint: string };
  used_bytes?: { value: Int64 };
  inodes_used?: { value: Int64 };
}

/** CRI timestamps are nanoseconds since the epoch; 0 means never. */
export function nanosToDate(ns: Int64 | undefined): Date | undefined {
  if (ns === undefined || ns === null || ns === "" || ns === "0" || ns === 0) return undefined;
  return new Date(Number(BigInt(ns) / 1_000_000n));
}
