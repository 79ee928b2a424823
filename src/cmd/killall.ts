import { HostIptables } from "../proxy/iptables.ts";
import { join, resolve } from "node:path";
import { existsSync, rmSync } from "node:fs";
import { unmountUnder } from "../kubelet/volumes/mounts.ts";
import { ContainerdSupervisor, RuntimeUnavailable } from "../kubelet/containerd/supervisor.ts";
import { CriClient } from "../kubelet/cri/cri-client.ts";
import { defaultPauseImage } from "../kubelet/images/pause-image.ts";
import { labelManagedBy } from "../kubelet/kuberuntime/runtime-service.ts";
import { podNetworkFor } from "../kubelet/network/pod-network.ts";
import { createLogger } from "../util/logger.ts";
import { expandHome, parseFlags, UsageError, type FlagSpec } from "./flags.ts";

export const killallFlags: FlagSpec[] = [
  {
    name: "data-dir",
    alias: "d",
    type: "string",
    default: "~/.skiff",
    usage: "data dir of the node whose pods are stopped",
  },
  {
    name: "cluster-cidr",
    type: "string",
    default: "10.42.0.0/16",
    usage: "the cluster CIDR the node routed",
  },
];

/**
 * `skiff killall`, as k3s-killall.sh: every pod the node's containerd runs is stopped and removed
 * (through the CRI, so the CNI plugins give their addresses back and their network namespaces go),
 * then containerd stops and the node's routes, rules and bridge are removed. Run it with the
 * server or agent stopped.
 */
export async function runKillall(argv: string[]): Promise<number> {
  const { values: f, args } = parseFlags(killallFlags, argv);
  if (args.length) throw new UsageError(`unexpected argument "${args[0]}"`);
  const dataDir = resolve(expandHome(String(f["data-dir"])));
  const agentDir = join(dataDir, "agent");
  const logger = createLogger("info", { component: "skiff-killall" });
  if (!existsSync(join(agentDir, "containerd"))) {
    process.stderr.write(`skiff killall: ${dataDir} has no node (no agent/containerd folder)\n`);
    return 1;
  }
  const supervisor = new ContainerdSupervisor({
    agentDir,
    sandboxImage: defaultPauseImage,
    logger,
    registriesFile: join(dataDir, "registries.yaml"),
    skipImageImport: true,
  });
  try {
    await supervisor.start();
  } catch (e) {
    if (e instanceof RuntimeUnavailable) {
      process.stderr.write(`skiff killall: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const cri = new CriClient(supervisor.socket);
  let pods = 0;
  try {
    const sel = { label_selector: { [labelManagedBy]: "true" } };
    for (const c of await cri.listContainers(sel)) {
      await cri.stopContainer(c.id, 0).catch(() => {});
      await cri.removeContainer(c.id).catch(() => {});
    }
    for (const s of await cri.listPodSandbox(sel)) {
      await cri.stopPodSandbox(s.id);
      await cri.removePodSandbox(s.id);
      pods++;
    }
  } finally {
    cri.close();
    await supervisor.stop();
  }
  // The pods' tmpfs volumes (secrets, projected, emptyDir medium Memory) outlive their containers.
  const unmounted = await unmountUnder(join(agentDir, "pods"));
  rmSync(join(agentDir, "pods"), { recursive: true, force: true });
  const networkRemoved = await podNetworkFor(agentDir, String(f["cluster-cidr"]), logger).tearDown();
  // The service proxy's rules are the node's, like its bridge: gone with its last pods.
  if (networkRemoved) await new HostIptables().cleanUp();
  logger.info("node stopped", { dataDir, pods, unmounted, networkRemoved });
  return 0;
}
