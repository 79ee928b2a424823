import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KObject } from "../apimachinery/meta.ts";
import { base32, endpointChain, serviceChain } from "./chain-names.ts";
import { buildRules } from "./iptables-rules.ts";
import { servicePorts } from "./service-ports.ts";

const svc = (spec: Record<string, unknown>, name = "kubia", status?: unknown): KObject => ({
  metadata: { namespace: "default", name },
  spec: {
    type: "ClusterIP",
    clusterIP: "10.43.0.20",
    ports: [{ port: 80, protocol: "TCP", targetPort: 8080 }],
    ...spec,
  },
  ...(status ? { status } : {}),
});

const slice = (
  eps: Array<{ ip: string; ready?: boolean; serving?: boolean; terminating?: boolean; node?: string }>,
  ports = [{ port: 8080, protocol: "TCP" }] as Array<{ name?: string; port: number; protocol: string }>,
  name = "kubia",
): KObject => ({
  metadata: { namespace: "default", name: `${name}-abcde`, labels: { "kubernetes.io/service-name": name } },
  addressType: "IPv4",
  endpoints: eps.map((e) => ({
    addresses: [e.ip],
    conditions: {
      ready: e.ready ?? true,
      serving: e.serving ?? e.ready ?? true,
      terminating: e.terminating ?? false,
    },
    nodeName: e.node ?? "n1",
  })),
  ports,
});

const rules = (s: KObject, slices: KObject[], existingNat: string[] = []) =>
  buildRules(
    servicePorts(s, slices, "n1"),
    { filter: [], nat: existingNat },
    { clusterCidr: "10.42.0.0/16" },
  ).split("\n");

describe("kube-proxy's chain names", () => {
  it("are upstream's hashes (as in kube-proxy's own tests)", () => {
    assert.equal(serviceChain("SVC", "ns1/svc1:p80", "TCP"), "KUBE-SVC-XPGD46QRK7WJZT7O");
    assert.equal(endpointChain("ns1/svc1:p80", "TCP", "10.180.0.1:80"), "KUBE-SEP-SXIVWICOYRO3J4NJ");
  });
  it("use RFC 4648 base32 with padding", () => {
    assert.equal(base32(Buffer.from("foobar")), "MZXW6YTBOI======");
    assert.equal(base32(Buffer.from("f")), "MY======");
  });
});

describe("iptables rules for a ClusterIP service", () => {
  const svcChain = serviceChain("SVC", "default/kubia", "TCP");
  const three = slice([{ ip: "10.42.0.7" }, { ip: "10.42.0.5" }, { ip: "10.42.1.9", node: "n2" }]);

  it("jumps from KUBE-SERVICES to the service chain for the cluster IP and port", () => {
    const r = rules(svc({}), [three]);
    assert.ok(
      r.includes(
        `-A KUBE-SERVICES -m comment --comment "default/kubia cluster IP" -m tcp -p tcp -d 10.43.0.20/32 --dport 80 -j ${svcChain}`,
      ),
    );
    assert.ok(r.includes(`:${svcChain} - [0:0]`));
    // Traffic from outside the pod network is marked for masquerade.
    assert.ok(
      r.some((l) => l.startsWith(`-A ${svcChain}`) && l.includes("! -s 10.42.0.0/16 -j KUBE-MARK-MASQ")),
    );
  });

  it("spreads over the endpoints with upstream's probabilities, in address order", () => {
    const r = rules(svc({}), [three]).filter((l) =>
      l.startsWith(`-A ${svcChain} -m comment --comment "default/kubia ->`),
    );
    assert.equal(r.length, 3);
    assert.match(
      r[0],
      /10\.42\.0\.5:8080" -m statistic --mode random --probability 0\.3333333333 -j KUBE-SEP-/,
    );
    assert.match(
      r[1],
      /10\.42\.0\.7:8080" -m statistic --mode random --probability 0\.5000000000 -j KUBE-SEP-/,
    );
    assert.doesNotMatch(r[2], /statistic/);
    const sep = endpointChain("default/kubia", "TCP", "10.42.0.5:8080");
    assert.ok(r[0].endsWith(`-j ${sep}`));
  });

  it("DNATs in each endpoint chain, with the hairpin masquerade first", () => {
    const sep = endpointChain("default/kubia", "TCP", "10.42.0.5:8080");
    const r = rules(svc({}), [three]).filter((l) => l.startsWith(`-A ${sep} `));
    assert.deepEqual(r, [
      `-A ${sep} -m comment --comment default/kubia -s 10.42.0.5/32 -j KUBE-MARK-MASQ`,
      `-A ${sep} -m comment --comment default/kubia -m tcp -p tcp -j DNAT --to-destination 10.42.0.5:8080`,
    ]);
  });

  it("leaves out endpoints that are not ready", () => {
    const r = rules(svc({}), [
      slice([{ ip: "10.42.0.5" }, { ip: "10.42.0.6", ready: false, serving: false }]),
    ]);
    assert.ok(!r.some((l) => l.includes("10.42.0.6")));
    assert.ok(r.some((l) => l.includes("--to-destination 10.42.0.5:8080")));
  });

  it("uses terminating endpoints that still serve when none is ready", () => {
    const r = rules(svc({}), [slice([{ ip: "10.42.0.6", ready: false, serving: true, terminating: true }])]);
    assert.ok(r.some((l) => l.includes("--to-destination 10.42.0.6:8080")));
  });

  it("rejects in the filter table when the service has no endpoints", () => {
    const r = rules(svc({}), []);
    assert.ok(
      r.includes(
        `-A KUBE-SERVICES -m comment --comment "default/kubia has no endpoints" -m tcp -p tcp -d 10.43.0.20/32 --dport 80 -j REJECT`,
      ),
    );
    assert.ok(!r.some((l) => l.includes("KUBE-SVC-")));
    // The reject is in *filter, before the nat table starts.
    assert.ok(r.indexOf(r.find((l) => l.includes("REJECT"))!) < r.indexOf("*nat"));
  });

  it("keeps a client on one endpoint with ClientIP affinity, checked before the spreading", () => {
    const r = rules(
      svc({ sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } }),
      [three],
    );
    const sep = endpointChain("default/kubia", "TCP", "10.42.0.5:8080");
    const check = r.findIndex((l) =>
      l.includes(`--name ${sep} --mask 255.255.255.255 --rsource --rcheck --seconds 600 --reap -j ${sep}`),
    );
    const first = r.findIndex((l) => l.includes("--probability 0.3333333333"));
    assert.ok(check >= 0 && check < first);
    assert.ok(
      r.some(
        (l) =>
          l.startsWith(`-A ${sep} `) &&
          l.includes(`-m recent --name ${sep} --mask 255.255.255.255 --rsource --set`),
      ),
    );
  });

  it("routes each named port to its own target port", () => {
    const s = svc({
      ports: [
        { name: "http", port: 80, protocol: "TCP" },
        { name: "https", port: 443, protocol: "TCP" },
      ],
    });
    const r = rules(s, [
      slice(
        [{ ip: "10.42.0.5" }],
        [
          { name: "http", port: 8080, protocol: "TCP" },
          { name: "https", port: 8443, protocol: "TCP" },
        ],
      ),
    ]);
    assert.ok(
      r.includes(
        `-A KUBE-SERVICES -m comment --comment "default/kubia:http cluster IP" -m tcp -p tcp -d 10.43.0.20/32 --dport 80 -j ${serviceChain("SVC", "default/kubia:http", "TCP")}`,
      ),
    );
    assert.ok(r.some((l) => l.includes("--to-destination 10.42.0.5:8443")));
    assert.ok(r.some((l) => l.includes("--to-destination 10.42.0.5:8080")));
  });

  it("routes a selector-less service to its user-written endpoints", () => {
    const r = rules(svc({}, "external-service"), [
      slice(
        [{ ip: "11.11.11.11" }, { ip: "22.22.22.22" }],
        [{ port: 80, protocol: "TCP" }],
        "external-service",
      ),
    ]);
    assert.ok(r.some((l) => l.includes("--to-destination 11.11.11.11:80")));
    assert.ok(r.some((l) => l.includes("--to-destination 22.22.22.22:80")));
  });

  it("writes nothing for headless and ExternalName services", () => {
    for (const s of [
      svc({ clusterIP: "None" }),
      svc({ type: "ExternalName", externalName: "example.com", clusterIP: undefined }),
    ]) {
      const r = rules(s, [three]);
      assert.ok(!r.some((l) => l.includes('-A KUBE-SERVICES -m comment --comment "default/kubia')));
    }
  });

  it("flushes and deletes the chains of services that are gone", () => {
    const r = rules(svc({}), [three], ["KUBE-SVC-OLDOLDOLDOLDOLD1", "KUBE-SERVICES", "SKIFF-POSTROUTING"]);
    assert.ok(r.includes(":KUBE-SVC-OLDOLDOLDOLDOLD1 - [0:0]"));
    assert.ok(r.includes("-X KUBE-SVC-OLDOLDOLDOLDOLD1"));
    assert.ok(!r.includes("-X KUBE-SERVICES") && !r.some((l) => l.includes("SKIFF-")));
  });
});

describe("iptables rules for node ports", () => {
  const np = svc(
    { type: "NodePort", ports: [{ port: 80, protocol: "TCP", nodePort: 30123 }] },
    "kubia-nodeport",
  );
  const eps = slice([{ ip: "10.42.0.5" }, { ip: "10.42.1.9", node: "n2" }], undefined, "kubia-nodeport");
  const ext = serviceChain("EXT", "default/kubia-nodeport", "TCP");
  const svcChain = serviceChain("SVC", "default/kubia-nodeport", "TCP");

  it("send every local address's node port through the external chain, masqueraded", () => {
    const r = rules(np, [eps]);
    assert.ok(
      r.includes(
        `-A KUBE-NODEPORTS -m comment --comment default/kubia-nodeport -m tcp -p tcp --dport 30123 -j ${ext}`,
      ),
    );
    assert.ok(
      r.includes(
        `-A ${ext} -m comment --comment "masquerade traffic for default/kubia-nodeport external destinations" -j KUBE-MARK-MASQ`,
      ),
    );
    assert.ok(r.includes(`-A ${ext} -j ${svcChain}`));
    // The node-port jump is KUBE-SERVICES' last rule.
    const services = r.filter((l) => l.startsWith("-A KUBE-SERVICES") && r.indexOf(l) > r.indexOf("*nat"));
    assert.match(services.at(-1)!, /--dst-type LOCAL -j KUBE-NODEPORTS$/);
  });

  it("with externalTrafficPolicy Local, go only to this node's endpoints and keep the client address", () => {
    const local = svc(
      {
        type: "NodePort",
        externalTrafficPolicy: "Local",
        ports: [{ port: 80, protocol: "TCP", nodePort: 30123 }],
      },
      "kubia-nodeport",
    );
    const r = rules(local, [eps]);
    const svl = serviceChain("SVL", "default/kubia-nodeport", "TCP");
    assert.ok(r.includes(`-A ${ext} -j ${svl}`));
    assert.ok(
      !r.includes(
        `-A ${ext} -m comment --comment "masquerade traffic for default/kubia-nodeport external destinations" -j KUBE-MARK-MASQ`,
      ),
    );
    const svlRules = r.filter((l) => l.startsWith(`-A ${svl} `));
    assert.equal(svlRules.length, 1);
    assert.ok(svlRules[0].includes("10.42.0.5:8080"));
  });

  it("with externalTrafficPolicy Local and no local endpoint, drop external clients (the connection hangs)", () => {
    const local = svc(
      {
        type: "NodePort",
        externalTrafficPolicy: "Local",
        ports: [{ port: 80, protocol: "TCP", nodePort: 30123 }],
      },
      "kubia-nodeport",
    );
    const r = rules(local, [slice([{ ip: "10.42.1.9", node: "n2" }], undefined, "kubia-nodeport")]);
    assert.ok(
      r.includes(
        `-A KUBE-EXTERNAL-SERVICES -m comment --comment "default/kubia-nodeport has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30123 -j DROP`,
      ),
    );
    assert.ok(r.some((l) => l.includes("-s 10.42.0.0/16 -j " + svcChain)));
  });

  it("reject when there are no endpoints", () => {
    const r = rules(np, []);
    assert.ok(
      r.includes(
        `-A KUBE-EXTERNAL-SERVICES -m comment --comment "default/kubia-nodeport has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30123 -j REJECT`,
      ),
    );
  });

  it("route a load balancer's ingress addresses like its node port", () => {
    const lb = svc(
      { type: "LoadBalancer", ports: [{ port: 80, protocol: "TCP", nodePort: 31000 }] },
      "kubia-lb",
      { loadBalancer: { ingress: [{ ip: "10.99.0.1" }] } },
    );
    const r = rules(lb, [slice([{ ip: "10.42.0.5" }], undefined, "kubia-lb")]);
    const e = serviceChain("EXT", "default/kubia-lb", "TCP");
    assert.ok(
      r.includes(
        `-A KUBE-SERVICES -m comment --comment "default/kubia-lb loadbalancer IP" -m tcp -p tcp -d 10.99.0.1/32 --dport 80 -j ${e}`,
      ),
    );
    assert.ok(
      r.includes(
        `-A KUBE-NODEPORTS -m comment --comment default/kubia-lb -m tcp -p tcp --dport 31000 -j ${e}`,
      ),
    );
  });
});
