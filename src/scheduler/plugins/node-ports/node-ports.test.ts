import { test } from "node:test";
import assert from "node:assert/strict";
import { infoOf, makeNode, makePod, nodeInfoOf } from "../../test-helpers.ts";
import { NodePorts } from "./node-ports.ts";

test("a hostPort already used on the node rejects the pod; other ports and ips do not collide", () => {
  const p = new NodePorts();
  const node = nodeInfoOf(makeNode("n1"), [makePod("web", { hostPort: 8080, nodeName: "n1" })]);
  const s = p.filter(new Map(), infoOf(makePod("a", { hostPort: 8080 })), node);
  assert.equal(s?.code, "Unschedulable");
  assert.deepEqual(s?.reasons, ["node(s) didn't have free ports for the requested pod ports"]);
  assert.equal(p.filter(new Map(), infoOf(makePod("b", { hostPort: 9090 })), node), null);
  assert.equal(p.filter(new Map(), infoOf(makePod("c")), node), null);
});

test("a specific host ip collides with 0.0.0.0 but not with another specific ip", () => {
  const p = new NodePorts();
  const withIp = (name: string, ip: string) =>
    makePod(name, {
      nodeName: "n1",
      extra: {
        containers: [
          { name: "m", image: "x", ports: [{ containerPort: 1, hostPort: 53, hostIP: ip, protocol: "UDP" }] },
        ],
      },
    });
  const node = nodeInfoOf(makeNode("n1"), [withIp("dns", "10.0.0.1")]);
  assert.equal(p.filter(new Map(), infoOf(withIp("x", "10.0.0.2")), node), null);
  assert.notEqual(p.filter(new Map(), infoOf(withIp("y", "0.0.0.0")), node), null);
  assert.notEqual(p.filter(new Map(), infoOf(withIp("z", "10.0.0.1")), node), null);
});
