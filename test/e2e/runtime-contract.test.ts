// The runtime contract against the real thing: containerd (started as the agent starts it), runc,
// the CNI plugins, and images pulled from a local registry that registries.yaml mirrors docker.io to.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CriClient } from "../../src/kubelet/cri/cri-client.ts";
import { runtimeContract } from "../../src/kubelet/cri/runtime-contract.ts";
import { containerdPaths } from "../../src/kubelet/containerd/containerd-config.ts";
import { ContainerdSupervisor } from "../../src/kubelet/containerd/supervisor.ts";
import { defaultPauseImage } from "../../src/kubelet/images/pause-image.ts";
import { cniConfList } from "../../src/kubelet/network/pod-network.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { batchJobImage, kubiaImage } from "../support/images.ts";
import { guardNetwork } from "../support/lab.ts";
import { startRegistry } from "../support/registry.ts";

const batchSeconds = 2;

runtimeContract("containerd", async () => {
  guardNetwork();
  const registry = await startRegistry();
  await registry.push("luksa/kubia", "latest", kubiaImage());
  await registry.push("luksa/batch-job", "latest", batchJobImage(batchSeconds));
  const dataDir = mkdtempSync(join(tmpdir(), "skiff-ct-"));
  const agentDir = join(dataDir, "agent");
  const paths = containerdPaths(agentDir);
  mkdirSync(paths.cniConfDir, { recursive: true });
  // A bridge and subnet of its own (inside the guarded 10.99/16): the node e2e tests own cni0.
  writeFileSync(
    join(paths.cniConfDir, "10-skiff.conflist"),
    cniConfList("10.99.250.0/24", paths.cniIpamDir, "skiff-ct0"),
  );
  writeFileSync(join(dataDir, "registries.yaml"), registry.registriesYaml());
  const supervisor = new ContainerdSupervisor({
    agentDir,
    sandboxImage: defaultPauseImage,
    logger: silentLogger,
    registriesFile: join(dataDir, "registries.yaml"),
  });
  await supervisor.start();
  const runtime = new CriClient(supervisor.socket);
  return {
    runtime,
    kubia: "luksa/kubia",
    batchJob: "luksa/batch-job",
    batchSeconds,
    // On the registry's own host: a docker.io name falls back to docker.io itself after the mirror.
    missing: `${registry.host}/luksa/no-such-image:1`,
    close: async () => {
      runtime.close();
      await supervisor.stop();
      await registry.stop();
      spawnSync("ip", ["link", "del", "skiff-ct0"]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
