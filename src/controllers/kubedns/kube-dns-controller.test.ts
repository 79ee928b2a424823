import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KObject } from "../../apimachinery/meta.ts";
import { RecordingClient } from "../../client/fake-client.ts";
import { FakeInformer } from "../../client/fake-informer.ts";
import { silentLogger } from "../../util/logger.ts";
import { DNS_ADDRESS_ANNOTATION, KubeDnsController } from "./kube-dns-controller.ts";

const node = (name: string, ready: boolean, annotations: Record<string, string> = {}): KObject => ({
  metadata: { name, annotations },
  status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
});

describe("KubeDnsController", () => {
  test("makes the kube-dns Service at its fixed address, and Endpoints of the nodes whose DNS answers", async () => {
    const client = new RecordingClient();
    const c = new KubeDnsController({
      client,
      nodes: new FakeInformer([
        node("a", true, { [DNS_ADDRESS_ANNOTATION]: "10.99.5.2" }),
        node("b", false, { [DNS_ADDRESS_ANNOTATION]: "10.99.5.3" }),
        node("sim", true, { [DNS_ADDRESS_ANNOTATION]: "10.0.0.9", "skiff.dev/simulated": "true" }),
        node("no-dns", true),
      ]),
      logger: silentLogger,
      clusterIP: "10.43.0.10",
    });
    await c.sync();
    const [svc, eps] = client.actions("create").map((a) => a.body as any);
    assert.equal(svc.metadata.namespace, "kube-system");
    assert.equal(svc.metadata.name, "kube-dns");
    assert.equal(svc.spec.clusterIP, "10.43.0.10");
    assert.deepEqual(
      svc.spec.ports.map((p: any) => `${p.name}/${p.port}/${p.protocol}`),
      ["dns/53/UDP", "dns-tcp/53/TCP"],
    );
    assert.deepEqual(eps.subsets, [
      {
        addresses: [{ ip: "10.99.5.2", nodeName: "a" }],
        notReadyAddresses: [{ ip: "10.99.5.3", nodeName: "b" }],
        ports: [
          { name: "dns", port: 53, protocol: "UDP" },
          { name: "dns-tcp", port: 53, protocol: "TCP" },
        ],
      },
    ]);
  });
});
