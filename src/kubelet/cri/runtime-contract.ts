// The behaviour every runtime behind the kubelet's RuntimeService must show: containerd through the
// CRI and the simulated CRI both run it (src/kubelet/cri/simulated-cri.test.ts,
// test/e2e/runtime-contract.test.ts). Containers are the book's images, which both know.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { RuntimeService } from "../kuberuntime/runtime-service.ts";
import { CriError } from "./cri-client.ts";
import type { ContainerConfig, ContainerStatus, PodSandboxConfig } from "./cri-types.ts";

export interface RuntimeFixture {
  runtime: RuntimeService;
  /** luksa/kubia (logs "Kubia server starting...", serves 8080, ignores SIGTERM) as the runtime pulls it. */
  kubia: string;
  /** luksa/batch-job that runs for batchSeconds and exits 0. */
  batchJob: string;
  batchSeconds: number;
  /** A reference the registry answers "not found" for. */
  missing: string;
  close(): Promise<void>;
}

const ipv4 = /^\d+\.\d+\.\d+\.\d+$/;

async function until<T>(what: string, probe: () => Promise<T | undefined>, limitMs = 30_000): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function isNotFound(e: unknown): boolean {
  return e instanceof CriError && e.notFound;
}

export function runtimeContract(name: string, setUp: () => Promise<RuntimeFixture>): void {
  describe(`runtime contract: ${name}`, { timeout: 180_000 }, () => {
    let f: RuntimeFixture;
    let logRoot: string;
    let n = 0;
    before(async () => {
      f = await setUp();
      logRoot = mkdtempSync(join(tmpdir(), "skiff-contract-logs-"));
      await f.runtime.pullImage(f.kubia);
      await f.runtime.pullImage(f.batchJob);
    });
    after(async () => {
      // Whatever a failed test left behind goes with the suite.
      for (const s of await f.runtime.listPodSandbox({ label_selector: { "skiff.dev/contract": "yes" } }))
        await f.runtime.removePodSandbox(s.id);
      await f.close();
      rmSync(logRoot, { recursive: true, force: true });
    });

    const sandboxConfig = (annotations: Record<string, string> = {}): PodSandboxConfig => {
      const podName = `contract-${process.pid}-${++n}`;
      const uid = `uid-${podName}`;
      return {
        metadata: { name: podName, uid, namespace: "default", attempt: 0 },
        hostname: podName,
        log_directory: join(logRoot, `default_${podName}_${uid}`),
        labels: { "skiff.dev/contract": "yes", "io.kubernetes.pod.name": podName },
        annotations: { "contract/note": "kept", ...annotations },
        linux: { security_context: { namespace_options: { network: "POD", pid: "CONTAINER", ipc: "POD" } } },
      };
    };
    const containerConfig = (
      name: string,
      image: string,
      extra: Partial<ContainerConfig> = {},
    ): ContainerConfig => ({
      metadata: { name, attempt: 0 },
      image: { image },
      log_path: `${name}/0.log`,
      labels: { "io.kubernetes.container.name": name },
      annotations: { "io.kubernetes.container.restartCount": "0" },
      ...extra,
    });
    const running = async (annotations?: Record<string, string>, image = f.kubia) => {
      const sc = sandboxConfig(annotations);
      const sandbox = await f.runtime.runPodSandbox(sc);
      const id = await f.runtime.createContainer(sandbox, containerConfig("app", image), sc);
      await f.runtime.startContainer(id);
      return { sc, sandbox, id };
    };
    const exited = (id: string) =>
      until<ContainerStatus>("the container to exit", async () => {
        const st = await f.runtime.containerStatus(id);
        return st.state === "CONTAINER_EXITED" ? st : undefined;
      });

    it("reports its name and version, and both runtime conditions ready", async () => {
      const v = await f.runtime.version();
      assert.ok(v.runtime_name, "a runtime name");
      assert.ok(v.runtime_version, "a runtime version");
      const conditions = await f.runtime.status();
      for (const type of ["RuntimeReady", "NetworkReady"])
        assert.equal(conditions.find((c) => c.type === type)?.status, true, type);
    });

    it("pulls an image, then shows it by reference and in the list; a missing one fails as not found", async () => {
      const ref = await f.runtime.pullImage(f.kubia);
      assert.match(ref, /^sha256:[0-9a-f]{64}$/);
      const img = await f.runtime.imageStatus(f.kubia);
      assert.equal(img?.id, ref);
      assert.ok(
        img?.repo_tags.some((t) => t.endsWith("luksa/kubia:latest")),
        `tags ${img?.repo_tags.join()}`,
      );
      assert.ok((await f.runtime.listImages()).some((i) => i.id === ref));
      assert.equal(await f.runtime.imageStatus(f.missing), undefined);
      await assert.rejects(f.runtime.pullImage(f.missing), /not found/);
    });

    it("runs a sandbox with an address, its metadata, labels and annotations, found by label", async () => {
      const sc = sandboxConfig();
      const id = await f.runtime.runPodSandbox(sc);
      const st = await f.runtime.podSandboxStatus(id);
      assert.equal(st.state, "SANDBOX_READY");
      assert.match(st.network?.ip ?? "", ipv4);
      assert.deepEqual(
        { name: st.metadata.name, uid: st.metadata.uid, namespace: st.metadata.namespace },
        { name: sc.metadata.name, uid: sc.metadata.uid, namespace: "default" },
      );
      assert.equal(st.labels["io.kubernetes.pod.name"], sc.metadata.name);
      assert.equal(st.annotations["contract/note"], "kept");
      const found = await f.runtime.listPodSandbox({
        label_selector: { "io.kubernetes.pod.name": sc.metadata.name },
      });
      assert.deepEqual(
        found.map((s) => s.id),
        [id],
      );
      const none = await f.runtime.listPodSandbox({ label_selector: { "io.kubernetes.pod.name": "nobody" } });
      assert.deepEqual(none, []);
      await f.runtime.removePodSandbox(id);
    });

    it("a second sandbox gets an address of its own", async () => {
      const a = await f.runtime.runPodSandbox(sandboxConfig());
      const b = await f.runtime.runPodSandbox(sandboxConfig());
      const [ipA, ipB] = [
        (await f.runtime.podSandboxStatus(a)).network?.ip,
        (await f.runtime.podSandboxStatus(b)).network?.ip,
      ];
      assert.notEqual(ipA, ipB);
      await f.runtime.removePodSandbox(a);
      await f.runtime.removePodSandbox(b);
    });

    it("creates a container (CREATED), starts it (RUNNING) and writes its output to the CRI log file", async () => {
      const sc = sandboxConfig();
      const sandbox = await f.runtime.runPodSandbox(sc);
      const id = await f.runtime.createContainer(sandbox, containerConfig("app", f.kubia), sc);
      const created = await f.runtime.containerStatus(id);
      assert.equal(created.state, "CONTAINER_CREATED");
      assert.equal(created.metadata.name, "app");
      assert.equal(created.labels["io.kubernetes.container.name"], "app");
      assert.equal(created.annotations["io.kubernetes.container.restartCount"], "0");
      await f.runtime.startContainer(id);
      const st = await f.runtime.containerStatus(id);
      assert.equal(st.state, "CONTAINER_RUNNING");
      assert.notEqual(String(st.started_at), "0");
      assert.equal(st.log_path, join(sc.log_directory!, "app/0.log"));
      const line = await until("the start line in the log file", async () => {
        let text: string;
        try {
          text = readFileSync(st.log_path, "utf8");
        } catch {
          return undefined;
        }
        return text.split("\n").find((l) => l.includes("Kubia server starting..."));
      });
      // CRI log format: RFC 3339 nano timestamp, stream, full/partial tag, text.
      assert.match(
        line,
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d) stdout F Kubia server starting\.\.\.$/,
      );
      const listed = await f.runtime.listContainers({ pod_sandbox_id: sandbox });
      assert.deepEqual(
        listed.map((c) => [c.id, c.state]),
        [[id, "CONTAINER_RUNNING"]],
      );
      const byState = await f.runtime.listContainers({
        pod_sandbox_id: sandbox,
        state: { state: "CONTAINER_EXITED" },
      });
      assert.deepEqual(byState, []);
      await f.runtime.removePodSandbox(sandbox);
    });

    it("ExecSync runs a command in a running container and returns its exit code", async () => {
      const { sandbox, id } = await running();
      const ok = await f.runtime.execSync(id, ["cat", "/bin/sh"], 5);
      assert.equal(ok.exit_code, 0);
      const missing = await f.runtime.execSync(id, ["cat", "/no/such/file"], 5);
      assert.equal(missing.exit_code, 1);
      assert.match(String(missing.stderr), /No such file or directory/);
      const code = await f.runtime.execSync(id, ["sh", "-c", "exit 7"], 5);
      assert.equal(code.exit_code, 7);
      await f.runtime.removePodSandbox(sandbox);
    });

    it("a container that exits by itself is EXITED with exit code 0 and reason Completed", async () => {
      const seconds = f.batchSeconds;
      const { sandbox, id } = await running({ "skiff.dev/simulated-duration": `${seconds}s` }, f.batchJob);
      const st = await exited(id);
      assert.equal(st.exit_code, 0);
      assert.equal(st.reason, "Completed");
      const ran = Number(BigInt(st.finished_at) - BigInt(st.started_at)) / 1e9;
      assert.ok(ran >= seconds - 0.5, `ran ${ran}s, the job takes ${seconds}s`);
      const log = readFileSync(st.log_path, "utf8");
      assert.match(log, /Batch job starting/);
      assert.match(log, /Finished succesfully/);
      await f.runtime.removePodSandbox(sandbox);
    });

    it("stopping a container that ignores SIGTERM kills it at the timeout: exit code 137, reason Error", async () => {
      const { sandbox, id } = await running();
      // Until the program runs, PID 1 is the runtime's own init, which SIGTERM does end (143).
      const { log_path } = await f.runtime.containerStatus(id);
      await until("the start line in the log file", async () => {
        try {
          return readFileSync(log_path, "utf8").includes("Kubia server starting...") || undefined;
        } catch {
          return undefined;
        }
      });
      const t0 = Date.now();
      await f.runtime.stopContainer(id, 1);
      const waited = Date.now() - t0;
      const st = await f.runtime.containerStatus(id);
      assert.equal(st.state, "CONTAINER_EXITED");
      assert.equal(st.exit_code, 137);
      assert.equal(st.reason, "Error");
      assert.ok(waited >= 900, `stop returned after ${waited} ms, before the 1 s timeout`);
      assert.ok(BigInt(st.finished_at) >= BigInt(st.started_at));
      // Stopping again is not an error (the kubelet retries).
      await f.runtime.stopContainer(id, 1);
      await assert.rejects(f.runtime.execSync(id, ["true"], 5), (e) => e instanceof CriError && !e.notFound);
      await f.runtime.removePodSandbox(sandbox);
    });

    it("removing a running container removes it by force", async () => {
      const { sandbox, id } = await running();
      await f.runtime.removeContainer(id);
      assert.deepEqual(await f.runtime.listContainers({ pod_sandbox_id: sandbox }), []);
      await assert.rejects(f.runtime.containerStatus(id), isNotFound);
      await f.runtime.removeContainer(id);
      await f.runtime.removePodSandbox(sandbox);
    });

    it("stopping a sandbox stops its containers and marks it NOTREADY; removing it removes them", async () => {
      const { sandbox, id } = await running();
      await f.runtime.stopPodSandbox(sandbox);
      assert.equal((await f.runtime.podSandboxStatus(sandbox)).state, "SANDBOX_NOTREADY");
      assert.equal((await f.runtime.containerStatus(id)).state, "CONTAINER_EXITED");
      const ready = await f.runtime.listPodSandbox({ id: sandbox, state: { state: "SANDBOX_READY" } });
      assert.deepEqual(ready, []);
      await f.runtime.removePodSandbox(sandbox);
      await assert.rejects(f.runtime.podSandboxStatus(sandbox), isNotFound);
      await assert.rejects(f.runtime.containerStatus(id), isNotFound);
      assert.deepEqual(await f.runtime.listPodSandbox({ id: sandbox }), []);
      // Removing what is gone is not an error.
      await f.runtime.removePodSandbox(sandbox);
    });

    it("unknown IDs and images not present fail: NotFound for status, an error for create", async () => {
      const unknown = "0".repeat(64);
      await assert.rejects(f.runtime.containerStatus(unknown), isNotFound);
      await assert.rejects(f.runtime.podSandboxStatus(unknown), isNotFound);
      const sc = sandboxConfig();
      const sandbox = await f.runtime.runPodSandbox(sc);
      await assert.rejects(
        f.runtime.createContainer(sandbox, containerConfig("app", f.missing), sc),
        /not found/,
      );
      await assert.rejects(f.runtime.createContainer(unknown, containerConfig("app", f.kubia), sc), CriError);
      await f.runtime.removePodSandbox(sandbox);
    });
  });
}
