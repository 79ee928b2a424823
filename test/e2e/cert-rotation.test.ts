// Certificates rotate before they expire without a restart: the API's serving certificate, the
// admin kubeconfig's client certificate, and a joined agent's node certificates. Lifetimes are
// cut to 40 s (--cert-lifetime) so that a whole rotation, and the first certificates' expiry,
// happen within the test.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { connect } from "node:tls";
import { after, before, describe, it } from "node:test";
import { Kubectl } from "../support/kubectl.ts";
import {
  addLabHost,
  labHostIP,
  removeAgent,
  setUpLab,
  startAgent,
  tearDownLab,
  type RunningAgent,
} from "../support/lab.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { eventually } from "../support/wait.ts";

const LAB = 4;

function servedCertificate(host: string, port: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, rejectUnauthorized: false }, () => {
      const raw = s.getPeerX509Certificate();
      s.end();
      if (raw) resolve(raw);
      else reject(new Error("no certificate"));
    });
    s.on("error", reject);
  });
}

const kubeconfigCert = (path: string) =>
  new X509Certificate(
    Buffer.from(/client-certificate-data: (\S+)/.exec(readFileSync(path, "utf8"))![1]!, "base64"),
  );

describe("certificate rotation", () => {
  let server: RunningServer;
  let agent: RunningAgent;
  let k: Kubectl;
  let netns: string;
  let agentIP: string;
  const host = labHostIP(LAB);

  before(async () => {
    setUpLab(LAB);
    ({ netns, ip: agentIP } = addLabHost(2, LAB));
    server = await startServer({ args: ["--bind-address", host, "--cert-lifetime", "40s"] });
    k = new Kubectl(server.kubeconfig);
    agent = startAgent({
      netns,
      server: `https://${host}:${server.port}`,
      token: readFileSync(join(server.dataDir, "token"), "utf8").trim(),
      nodeName: "rotating",
      nodeIP: agentIP,
      args: ["--node-lease-duration-seconds", "8"],
    });
    await eventually(
      "the agent's node Ready",
      async () =>
        (
          await k.run([
            "get",
            "node",
            "rotating",
            "-o",
            "jsonpath={.status.conditions[?(@.type=='Ready')].status}",
          ])
        ).stdout === "True" || undefined,
      60_000,
    );
  });

  after(async () => {
    if (agent) await removeAgent(agent, netns);
    await server?.stop();
    tearDownLab(LAB);
    if (server) rmSync(server.dataDir, { recursive: true, force: true });
  });

  it("renews every certificate while running, and everything keeps working past the first ones' expiry", async () => {
    const agentDir = join(agent.dataDir, "agent");
    const first = {
      serving: await servedCertificate(host, server.port),
      admin: kubeconfigCert(server.kubeconfig),
      node: new X509Certificate(readFileSync(join(agentDir, "client-kubelet.crt"))),
      kubelet: await servedCertificate(agentIP, 10250),
    };
    assert.ok(first.serving.validToDate.getTime() - Date.now() <= 40_000, "a 40 s serving certificate");
    const pid = server.proc.pid;
    await eventually(
      "all four renewed",
      async () => {
        const now = {
          serving: await servedCertificate(host, server.port),
          admin: kubeconfigCert(server.kubeconfig),
          node: new X509Certificate(readFileSync(join(agentDir, "client-kubelet.crt"))),
          kubelet: await servedCertificate(agentIP, 10250),
        };
        return (Object.keys(now) as Array<keyof typeof now>).every(
          (c) => now[c].serialNumber !== first[c].serialNumber && now[c].validToDate > first[c].validToDate,
        )
          ? now
          : undefined;
      },
      45_000,
    );
    // Past the first certificates' end: the old admin certificate is refused, the new one works.
    const lastExpiry = Math.max(...Object.values(first).map((c) => c.validToDate.getTime()));
    await new Promise((r) => setTimeout(r, Math.max(0, lastExpiry - Date.now() + 1000)));
    assert.equal(server.proc.pid, pid);
    assert.equal(server.proc.exitCode, null, "the server was not restarted");
    const nodes = await k.ok(["get", "nodes", "--no-headers"]);
    assert.match(nodes, /^rotating\s+Ready\s/m);
    // The agent's lease keeps being renewed with its new client certificate.
    await eventually("a lease renewed after the first node certificate expired", async () => {
      const renew = await k.ok([
        "get",
        "lease",
        "rotating",
        "-n",
        "kube-node-lease",
        "-o",
        "jsonpath={.spec.renewTime}",
      ]);
      return Date.parse(renew) > first.node.validToDate.getTime() || undefined;
    });
    // The kubelet's new serving certificate is the cluster CA's, for the node's address.
    const ca = new X509Certificate(readFileSync(join(server.dataDir, "tls", "ca.crt")));
    const kubelet = await servedCertificate(agentIP, 10250);
    assert.ok(kubelet.verify(ca.publicKey));
    assert.equal(kubelet.checkIP(agentIP), agentIP);
    assert.equal(statSync(server.kubeconfig).mode & 0o777, 0o600);
    for (const f of ["client-kubelet.key", "client-kubelet.crt", "serving-kubelet.key"])
      assert.equal(statSync(join(agentDir, f)).mode & 0o777, 0o600, f);
    assert.match(server.logs(), /"certificates rotated"/);
    assert.match(agent.logs(), /"node certificates rotated"/);
  });
});
