// Clients inside pods on a real node reach the API through the `kubernetes` Service with the
// mounted service-account token and CA: kubectl with no kubeconfig, and @kubernetes/client-node's
// in-cluster configuration. The server keeps its default loopback bind address; it also listens
// on the node's address, which the Service points at, so pods get through.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { busyboxImage, nodeLibsImage } from "../support/images.ts";
import { Kubectl, KUBECTL_DIR } from "../support/kubectl.ts";
import { addLabHost, labHostIP, setUpLab, tearDownLab } from "../support/lab.ts";
import { startRegistry, type LocalRegistry } from "../support/registry.ts";
import { killall, startServer, type RunningServer } from "../support/server.ts";
import { eventually } from "../support/wait.ts";

const LAB = 7;
const root = resolve(import.meta.dirname, "../..");
const nodeBinary = process.execPath;

describe("in-cluster clients", () => {
  let server: RunningServer;
  let registry: LocalRegistry;
  let k: Kubectl;
  let dataDir: string;
  let netns: string;
  let nodeIP: string;

  const podPhase = (name: string) =>
    k.ok(["get", "pod", name, "-o", "jsonpath={.status.phase}"]).catch(() => "");

  before(async () => {
    setUpLab(LAB);
    ({ netns, ip: nodeIP } = addLabHost(2, LAB));
    registry = await startRegistry({ address: labHostIP(LAB) });
    await registry.push("library/busybox", "latest", busyboxImage());
    await registry.push("skiff/node-libs", "1", nodeLibsImage(nodeBinary));
    dataDir = mkdtempSync(join(tmpdir(), "skiff-in-cluster-"));
    writeFileSync(join(dataDir, "registries.yaml"), registry.registriesYaml());
    // No --bind-address: the API listens on 127.0.0.1, as a user's server does by default.
    server = await startServer({
      dataDir,
      agent: true,
      netns,
      args: ["--node-ip", nodeIP, "--node-name", "lab-node"],
    });
    // The test runs outside the node's namespace: it reaches the API at the node's address.
    const kubeconfig = join(dataDir, "kubeconfig-node-ip.yaml");
    writeFileSync(kubeconfig, readFileSync(server.kubeconfig, "utf8").replace("127.0.0.1", nodeIP));
    k = new Kubectl(kubeconfig);
    await eventually(
      "the node Ready",
      async () =>
        (await k.ok([
          "get",
          "node",
          "lab-node",
          "-o",
          "jsonpath={.status.conditions[?(@.type=='Ready')].status}",
        ])) === "True" || undefined,
      60_000,
    );
    await k.ok(["create", "serviceaccount", "lister"]);
  });

  after(async () => {
    await server?.stop();
    if (dataDir) await killall(dataDir, netns);
    await registry?.stop();
    tearDownLab(LAB);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("the kubernetes Service points at the node's address, where the API answers", async () => {
    const ep = await k.ok(["get", "endpoints", "kubernetes", "-o", "jsonpath={.subsets[0].addresses[0].ip}"]);
    assert.equal(ep, nodeIP);
  });

  it("kubectl in a pod, with no kubeconfig, is refused until a RoleBinding grants its service account view", async () => {
    await k.ok(["create", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "kubectl" },
        spec: {
          serviceAccountName: "lister",
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: "main",
              image: "busybox",
              command: ["sleep", "3600"],
              volumeMounts: [{ name: "kubectl", mountPath: "/opt/kubectl", readOnly: true }],
            },
          ],
          volumes: [{ name: "kubectl", hostPath: { path: KUBECTL_DIR } }],
        },
      }),
    });
    await eventually(
      "the kubectl pod running",
      async () => (await podPhase("kubectl")) === "Running" || undefined,
      60_000,
    );
    const inPod = (args: string[]) => k.run(["exec", "kubectl", "--", "/opt/kubectl/kubectl.1.32", ...args]);
    const refused = await inPod(["get", "pods"]);
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /Error from server \(Forbidden\): pods is forbidden: User "system:serviceaccount:default:lister" cannot list resource "pods" in API group "" in the namespace "default"/,
    );
    const whoami = await inPod(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"]);
    assert.equal(whoami.stdout, "system:serviceaccount:default:lister");
    await k.ok([
      "create",
      "rolebinding",
      "lister-view",
      "--clusterrole=view",
      "--serviceaccount=default:lister",
    ]);
    const listed = await eventually("kubectl get pods from the pod", async () => {
      const r = await inPod(["get", "pods", "-o", "name"]);
      return r.code === 0 ? r.stdout : undefined;
    });
    assert.match(listed, /^pod\/kubectl$/m);
    // view grants no writes, and nothing outside its namespace.
    const write = await inPod(["create", "configmap", "x"]);
    assert.match(
      write.stderr,
      /configmaps is forbidden: User "system:serviceaccount:default:lister" cannot create resource "configmaps"/,
    );
    const other = await inPod(["get", "pods", "-n", "kube-system"]);
    assert.match(other.stderr, /cannot list resource "pods" in API group "" in the namespace "kube-system"/);
  });

  it("@kubernetes/client-node's in-cluster config lists pods with the mounted token and is refused a write", async () => {
    // The repository (node, node_modules and the script) is mounted at the same path in the pod.
    const mounts = [...new Set([root, dirname(nodeBinary)])];
    await k.ok(["create", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "client-node" },
        spec: {
          serviceAccountName: "lister",
          restartPolicy: "Never",
          containers: [
            {
              name: "main",
              image: "skiff/node-libs:1",
              command: [nodeBinary, join(root, "test/support/in-cluster-client.ts")],
              volumeMounts: mounts.map((p, i) => ({ name: `m${i}`, mountPath: p, readOnly: true })),
            },
          ],
          volumes: mounts.map((p, i) => ({ name: `m${i}`, hostPath: { path: p } })),
        },
      }),
    });
    const phase = await eventually(
      "the client-node pod done",
      async () => {
        const p = await podPhase("client-node");
        return p === "Succeeded" || p === "Failed" ? p : undefined;
      },
      90_000,
    );
    const logs = await k.ok(["logs", "client-node"]);
    assert.equal(phase, "Succeeded", logs);
    const lines = logs.trim().split("\n");
    assert.equal(lines[0], "server https://10.43.0.1:443");
    assert.match(lines[1]!, /^pods .*\bclient-node\b/);
    assert.match(lines[1]!, /\bkubectl\b/);
    assert.equal(
      lines[2],
      'configmap refused 403: configmaps is forbidden: User "system:serviceaccount:default:lister" cannot create resource "configmaps" in API group "" in the namespace "default"',
    );
  });
});
