import { join } from "node:path";

export interface ContainerdPaths {
  /** DATA-DIR/agent/containerd: root, state, config and socket live here (k3s's layout). */
  dir: string;
  socket: string;
  config: string;
  root: string;
  state: string;
  log: string;
  pidFile: string;
  /** Per-registry hosts.toml folders rendered from registries.yaml. */
  certsDir: string;
  cniConfDir: string;
  /** host-local's address records. */
  cniIpamDir: string;
}

export function containerdPaths(agentDir: string): ContainerdPaths {
  const dir = join(agentDir, "containerd");
  return {
    dir,
    socket: join(dir, "containerd.sock"),
    config: join(dir, "config.toml"),
    root: join(dir, "root"),
    state: join(dir, "state"),
    log: join(dir, "containerd.log"),
    pidFile: join(dir, "containerd.pid"),
    certsDir: join(agentDir, "etc", "containerd", "certs.d"),
    cniConfDir: join(agentDir, "etc", "cni", "net.d"),
    cniIpamDir: join(agentDir, "cni", "networks"),
  };
}

export interface ContainerdConfigInput {
  paths: ContainerdPaths;
  sandboxImage: string;
  cniBinDir: string;
  /** The CRI streaming server's port on 127.0.0.1 (exec, attach, port-forward). */
  streamPort: number;
  /** Credentials per registry host, from registries.yaml `configs.<host>.auth`. */
  auths: Record<string, { username?: string; password?: string; auth?: string; identitytoken?: string }>;
}

const q = (s: string) => JSON.stringify(s);

/**
 * containerd's config.toml (version 2, as containerd 1.6 and 1.7 read it) for a node of skiff's:
 * the CRI plugin with runc on cgroupfs, CNI from our folder, registries from hosts.toml files.
 */
export function renderContainerdConfig(c: ContainerdConfigInput): string {
  const cri = `plugins."io.containerd.grpc.v1.cri"`;
  const lines = [
    "# Written by skiff at every agent start; edits are lost.",
    "version = 2",
    `root = ${q(c.paths.root)}`,
    `state = ${q(c.paths.state)}`,
    // Snapshotters and exporters a node of skiff's never uses: each costs start-up time.
    `disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]`,
    "",
    "[grpc]",
    `  address = ${q(c.paths.socket)}`,
    "[ttrpc]",
    `  address = ""`,
    "[metrics]",
    `  address = ""`,
    "",
    `[plugins."io.containerd.internal.v1.opt"]`,
    `  path = ${q(join(c.paths.root, "opt"))}`,
    "",
    `[${cri}]`,
    `  sandbox_image = ${q(c.sandboxImage)}`,
    `  stream_server_address = "127.0.0.1"`,
    `  stream_server_port = ${q(String(c.streamPort))}`,
    "  enable_selinux = false",
    "  disable_apparmor = true",
    // Lower scores than the agent's own are refused where the agent lacks CAP_SYS_RESOURCE; the CRI plugin
    // then caps them at the agent's score instead of failing every sandbox.
    "  restrict_oom_score_adj = true",
    "  max_container_log_line_size = 16384",
    `[${cri}.containerd]`,
    `  snapshotter = "overlayfs"`,
    `  default_runtime_name = "runc"`,
    "  disable_snapshot_annotations = true",
    `[${cri}.containerd.runtimes.runc]`,
    `  runtime_type = "io.containerd.runc.v2"`,
    `[${cri}.containerd.runtimes.runc.options]`,
    "  SystemdCgroup = false",
    // Each node's runc keeps its own state, so two nodes on one machine never see each other's.
    `  Root = ${q(join(c.paths.state, "runc"))}`,
    `[${cri}.cni]`,
    `  bin_dir = ${q(c.cniBinDir)}`,
    `  conf_dir = ${q(c.paths.cniConfDir)}`,
    `[${cri}.registry]`,
    `  config_path = ${q(c.paths.certsDir)}`,
  ];
  for (const [host, a] of Object.entries(c.auths)) {
    lines.push(`[${cri}.registry.configs.${q(host)}.auth]`);
    if (a.username !== undefined) lines.push(`  username = ${q(a.username)}`);
    if (a.password !== undefined) lines.push(`  password = ${q(a.password)}`);
    if (a.auth !== undefined) lines.push(`  auth = ${q(a.auth)}`);
    if (a.identitytoken !== undefined) lines.push(`  identitytoken = ${q(a.identitytoken)}`);
  }
  return lines.join("\n") + "\n";
}
