import { createHash } from "node:crypto";
import { join } from "node:path";
import type { KObject } from "../../apimachinery/meta.ts";
import type { ContainerConfig, KeyValue, LinuxContainerSecurityContext, Mount } from "../cri/cri-types.ts";
import type { MountedVolume } from "../volumes/volume-manager.ts";
import { ContainerConfigError } from "./env.ts";
import { expand } from "./expand.ts";
import { containerResources, podQos } from "./qos.ts";
import {
  annotationContainerHash,
  annotationContainerKind,
  annotationGracePeriod,
  annotationRestartCount,
  annotationTerminationMessagePath,
  labelContainerName,
  labelManagedBy,
  labelPodName,
  labelPodNamespace,
  labelPodUid,
} from "./runtime-service.ts";
import { namespaceOptions } from "./sandbox-config.ts";

export interface ContainerInput {
  pod: KObject;
  container: Record<string, any>;
  kind: "init" | "regular";
  restartCount: number;
  imageRef: string;
  env: KeyValue[];
  volumes: Map<string, MountedVolume>;
  /** Host file mounted at terminationMessagePath. */
  terminationFile: string;
  /** The pod's managed /etc/hosts, unless it uses the node's network. */
  hostsFile?: string;
  memoryCapacity: number;
  /** The image's configured user ("", "0", "1000", "nobody"), for runAsNonRoot. */
  imageUser: string;
}

/** A stable hash of the container spec, as upstream labels containers with (HashContainer). */
export function containerHash(container: Record<string, unknown>): string {
  return createHash("sha256").update(JSON.stringify(container)).digest("hex").slice(0, 8);
}

function securityContext(input: ContainerInput): LinuxContainerSecurityContext {
  const podSec = ((input.pod.spec as Record<string, any>)?.securityContext ?? {}) as Record<string, any>;
  const sec = (input.container.securityContext ?? {}) as Record<string, any>;
  const runAsUser = sec.runAsUser ?? podSec.runAsUser;
  const runAsGroup = sec.runAsGroup ?? podSec.runAsGroup;
  const runAsNonRoot = sec.runAsNonRoot ?? podSec.runAsNonRoot;
  const m = input.pod.metadata ?? {};
  const who = `(pod: "${m.name}_${m.namespace}(${m.uid})", container: ${input.container.name})`;
  // pkg/kubelet/kuberuntime/security_context_others.go verifyRunAsNonRoot
  if (runAsNonRoot) {
    if (runAsUser === 0)
      throw new ContainerConfigError(`container's runAsUser breaks non-root policy ${who}`);
    if (runAsUser === undefined) {
      const user = input.imageUser.split(":")[0];
      if (user === "" || user === "0" || user === "root")
        throw new ContainerConfigError(`container has runAsNonRoot and image will run as root ${who}`);
      if (!/^\d+$/.test(user))
        throw new ContainerConfigError(
          `container has runAsNonRoot and image has non-numeric user (${user}), cannot verify user is non-root ${who}`,
        );
    }
  }
  const out: LinuxContainerSecurityContext = {
    namespace_options: namespaceOptions(input.pod),
    privileged: sec.privileged === true,
    readonly_rootfs: sec.readOnlyRootFilesystem === true,
    no_new_privs: sec.allowPrivilegeEscalation === false,
    supplemental_groups: podSec.supplementalGroups ?? [],
  };
  if (runAsUser !== undefined) out.run_as_user = { value: runAsUser };
  if (runAsGroup !== undefined) out.run_as_group = { value: runAsGroup };
  if (sec.capabilities)
    out.capabilities = {
      add_capabilities: sec.capabilities.add ?? [],
      drop_capabilities: sec.capabilities.drop ?? [],
    };
  return out;
}

function mounts(input: ContainerInput): Mount[] {
  const out: Mount[] = [];
  for (const vm of (input.container.volumeMounts ?? []) as Array<Record<string, any>>) {
    const vol = input.volumes.get(vm.name);
    if (!vol)
      throw new ContainerConfigError(
        `cannot find volume "${vm.name}" to mount into container "${input.container.name}"`,
      );
    let host = vol.hostPath;
    const sub = String(vm.subPath ?? vm.subPathExpr ?? "");
    if (sub) {
      if (sub.split("/").includes("..") || sub.startsWith("/"))
        throw new ContainerConfigError(`subPath "${sub}" must be a relative path without ".."`);
      host = join(host, sub);
    }
    const propagation =
      vm.mountPropagation === "Bidirectional"
        ? "PROPAGATION_BIDIRECTIONAL"
        : vm.mountPropagation === "HostToContainer"
          ? "PROPAGATION_HOST_TO_CONTAINER"
          : "PROPAGATION_PRIVATE";
    out.push({
      container_path: vm.mountPath,
      host_path: host,
      readonly: vm.readOnly === true || vol.readOnly,
      propagation,
    });
  }
  const hasMount = (p: string) => out.some((x) => x.container_path === p);
  if (input.hostsFile && !hasMount("/etc/hosts"))
    out.push({ container_path: "/etc/hosts", host_path: input.hostsFile });
  const tmp = String(input.container.terminationMessagePath ?? "/dev/termination-log");
  if (tmp && !hasMount(tmp)) out.push({ container_path: tmp, host_path: input.terminationFile });
  return out;
}

/** The CRI ContainerConfig (kuberuntime_container.go generateContainerConfig). */
export function containerConfig(input: ContainerInput): ContainerConfig {
  const { pod, container } = input;
  const m = pod.metadata ?? {};
  const envMap = new Map(input.env.map((e) => [e.key, e.value]));
  const lookup = (n: string) => envMap.get(n);
  const spec = pod.spec as { terminationGracePeriodSeconds?: number };
  return {
    metadata: { name: container.name, attempt: input.restartCount },
    image: { image: input.imageRef },
    command: ((container.command ?? []) as string[]).map((c) => expand(c, lookup)),
    args: ((container.args ?? []) as string[]).map((a) => expand(a, lookup)),
    working_dir: container.workingDir ?? "",
    envs: input.env,
    mounts: mounts(input),
    labels: {
      [labelContainerName]: container.name,
      [labelPodName]: m.name ?? "",
      [labelPodNamespace]: m.namespace ?? "",
      [labelPodUid]: m.uid ?? "",
      [labelManagedBy]: "true",
    },
    annotations: {
      [annotationContainerHash]: containerHash(container),
      [annotationRestartCount]: String(input.restartCount),
      [annotationTerminationMessagePath]: String(container.terminationMessagePath ?? "/dev/termination-log"),
      [annotationGracePeriod]: String(spec.terminationGracePeriodSeconds ?? 30),
      [annotationContainerKind]: input.kind,
    },
    log_path: `${container.name}/${input.restartCount}.log`,
    stdin: container.stdin === true,
    stdin_once: container.stdinOnce === true,
    tty: container.tty === true,
    linux: {
      resources: containerResources(container.resources, podQos(pod), input.memoryCapacity),
      security_context: securityContext(input),
    },
  };
}

/** The pod's /etc/hosts as the kubelet manages it (kubelet_pods.go managedHostsFileContent). */
export function hostsFileContent(
  podIP: string,
  hostname: string,
  hostAliases: Array<{ ip: string; hostnames: string[] }>,
): string {
  let s =
    "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" +
    "fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n";
  s += `${podIP}\t${hostname}\n`;
  if (hostAliases.length) {
    s += "\n# Entries added by HostAliases.\n";
    for (const a of hostAliases) s += `${a.ip}\t${a.hostnames.join("\t")}\n`;
  }
  return s;
}
