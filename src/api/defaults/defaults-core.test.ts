import assert from "node:assert/strict";
import { test } from "node:test";
import { addDefaultTolerations, applyDefaults, imageTag } from "./index.ts";

// Kubernetes in Action, Chapter03/kubia-manual.yaml
function kubiaManual(): any {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "kubia-manual" },
    spec: {
      containers: [
        { name: "kubia", image: "luksa/kubia", ports: [{ containerPort: 8080, protocol: "TCP" }] },
      ],
    },
  };
}

test("a kubia pod gets the pod spec, container and admission defaults", () => {
  const pod = kubiaManual();
  applyDefaults("", "Pod", pod);
  addDefaultTolerations(pod.spec);
  const spec = pod.spec;
  assert.equal(spec.restartPolicy, "Always");
  assert.equal(spec.dnsPolicy, "ClusterFirst");
  assert.equal(spec.terminationGracePeriodSeconds, 30);
  assert.equal(spec.schedulerName, "default-scheduler");
  assert.deepEqual(spec.securityContext, {});
  assert.equal(spec.enableServiceLinks, true);
  assert.equal(spec.serviceAccountName, "default");
  assert.equal(spec.serviceAccount, "default");
  assert.equal(spec.priority, 0);
  assert.equal(spec.preemptionPolicy, "PreemptLowerPriority");
  assert.deepEqual(spec.tolerations, [
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
    {
      key: "node.kubernetes.io/unreachable",
      operator: "Exists",
      effect: "NoExecute",
      tolerationSeconds: 300,
    },
  ]);
  const c = spec.containers[0];
  assert.equal(c.imagePullPolicy, "Always");
  assert.equal(c.terminationMessagePath, "/dev/termination-log");
  assert.equal(c.terminationMessagePolicy, "File");
  assert.deepEqual(c.resources, {});
  assert.deepEqual(c.ports, [{ containerPort: 8080, protocol: "TCP" }]);
});

test("defaults never overwrite what the user set", () => {
  const pod = kubiaManual();
  pod.spec.restartPolicy = "Never";
  pod.spec.terminationGracePeriodSeconds = 0;
  pod.spec.serviceAccountName = "builder";
  pod.spec.containers[0].imagePullPolicy = "Never";
  pod.spec.tolerations = [
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 5 },
  ];
  applyDefaults("", "Pod", pod);
  addDefaultTolerations(pod.spec, { notReady: 300, unreachable: 300 });
  assert.equal(pod.spec.restartPolicy, "Never");
  assert.equal(pod.spec.terminationGracePeriodSeconds, 0);
  assert.equal(pod.spec.serviceAccount, "builder");
  assert.equal(pod.spec.containers[0].imagePullPolicy, "Never");
  assert.deepEqual(
    pod.spec.tolerations.map((t: any) => [t.key, t.tolerationSeconds]),
    [
      ["node.kubernetes.io/not-ready", 5],
      ["node.kubernetes.io/unreachable", 300],
    ],
  );
});

test("imagePullPolicy is Always only for :latest or an untagged image", () => {
  assert.equal(imageTag("luksa/kubia"), "latest");
  assert.equal(imageTag("luksa/kubia:latest"), "latest");
  assert.equal(imageTag("luksa/kubia:v1"), "v1");
  assert.equal(imageTag("localhost:5000/kubia"), "latest");
  assert.equal(imageTag("busybox@sha256:abcd"), "");
  const pod = kubiaManual();
  pod.spec.containers.push(
    { name: "side", image: "busybox:1.36" },
    { name: "pinned", image: "busybox@sha256:abcd" },
  );
  applyDefaults("", "Pod", pod);
  assert.deepEqual(
    pod.spec.containers.map((c: any) => c.imagePullPolicy),
    ["Always", "IfNotPresent", "IfNotPresent"],
  );
});

test("liveness probe defaults match the book's describe output (timeout 1s, period 10s, #success=1 #failure=3)", () => {
  const pod = kubiaManual();
  pod.spec.containers[0].livenessProbe = { httpGet: { port: 8080 } };
  pod.spec.containers[0].readinessProbe = { exec: { command: ["ls", "/var/ready"] }, periodSeconds: 5 };
  applyDefaults("", "Pod", pod);
  assert.deepEqual(pod.spec.containers[0].livenessProbe, {
    httpGet: { port: 8080, path: "/", scheme: "HTTP" },
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.equal(pod.spec.containers[0].readinessProbe.periodSeconds, 5);
});

test("volumes get defaultMode 420, emptyDir when sourceless, and env fieldRefs an apiVersion", () => {
  const pod = kubiaManual();
  pod.spec.volumes = [
    { name: "cfg", configMap: { name: "c" } },
    { name: "sec", secret: { secretName: "s" } },
    { name: "scratch" },
  ];
  pod.spec.containers[0].env = [{ name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }];
  applyDefaults("", "Pod", pod);
  assert.deepEqual(pod.spec.volumes, [
    { name: "cfg", configMap: { name: "c", defaultMode: 420 } },
    { name: "sec", secret: { secretName: "s", defaultMode: 420 } },
    { name: "scratch", emptyDir: {} },
  ]);
  assert.equal(pod.spec.containers[0].env[0].valueFrom.fieldRef.apiVersion, "v1");
});

test("pod requests default to limits", () => {
  const pod = kubiaManual();
  pod.spec.containers[0].resources = { limits: { cpu: "500m", memory: "64Mi" }, requests: { cpu: "100m" } };
  applyDefaults("", "Pod", pod);
  assert.deepEqual(pod.spec.containers[0].resources.requests, { cpu: "100m", memory: "64Mi" });
});

test("the kubia service is ClusterIP, None affinity, TCP with targetPort kept, single-stack IPv4", () => {
  const svc: any = {
    metadata: { name: "kubia" },
    spec: {
      selector: { app: "kubia" },
      ports: [
        { port: 80, targetPort: 8080 },
        { name: "x", port: 81 },
      ],
    },
  };
  applyDefaults("", "Service", svc);
  assert.equal(svc.spec.type, "ClusterIP");
  assert.equal(svc.spec.sessionAffinity, "None");
  assert.deepEqual(svc.spec.ports, [
    { port: 80, targetPort: 8080, protocol: "TCP" },
    { name: "x", port: 81, protocol: "TCP", targetPort: 81 },
  ]);
  assert.equal(svc.spec.internalTrafficPolicy, "Cluster");
  assert.equal(svc.spec.ipFamilyPolicy, "SingleStack");
  assert.deepEqual(svc.spec.ipFamilies, ["IPv4"]);
  assert.equal(svc.spec.externalTrafficPolicy, undefined);
});

test("NodePort and LoadBalancer services get externalTrafficPolicy Cluster; ClientIP affinity a timeout", () => {
  const np: any = {
    metadata: { name: "kubia-nodeport" },
    spec: { type: "NodePort", sessionAffinity: "ClientIP", ports: [{ port: 80 }] },
  };
  applyDefaults("", "Service", np);
  assert.equal(np.spec.externalTrafficPolicy, "Cluster");
  assert.deepEqual(np.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
  const lb: any = {
    metadata: { name: "lb" },
    spec: { type: "LoadBalancer", externalTrafficPolicy: "Local", ports: [{ port: 80 }] },
  };
  applyDefaults("", "Service", lb);
  assert.equal(lb.spec.externalTrafficPolicy, "Local");
  assert.equal(lb.spec.allocateLoadBalancerNodePorts, true);
});

test("headless and ExternalName services get their family fields as the registry sets them", () => {
  const headless: any = {
    metadata: { name: "h" },
    spec: { clusterIP: "None", selector: { app: "kubia" }, ports: [{ port: 80 }] },
  };
  applyDefaults("", "Service", headless);
  assert.deepEqual(headless.spec.clusterIPs, ["None"]);
  assert.equal(headless.spec.ipFamilyPolicy, "SingleStack");
  const bare: any = { metadata: { name: "b" }, spec: { clusterIP: "None", ports: [{ port: 80 }] } };
  applyDefaults("", "Service", bare);
  assert.equal(bare.spec.ipFamilyPolicy, "RequireDualStack");
  const ext: any = {
    metadata: { name: "e" },
    spec: { type: "ExternalName", externalName: "api.somecompany.com" },
  };
  applyDefaults("", "Service", ext);
  assert.equal(ext.spec.ipFamilyPolicy, undefined);
  assert.equal(ext.spec.ipFamilies, undefined);
  assert.equal(ext.spec.internalTrafficPolicy, undefined);
});

test("namespaces get the name label, the kubernetes finalizer on create and phase Active", () => {
  const ns: any = { metadata: { name: "custom-namespace" } };
  applyDefaults("", "Namespace", ns);
  assert.deepEqual(ns.metadata.labels, { "kubernetes.io/metadata.name": "custom-namespace" });
  assert.deepEqual(ns.spec.finalizers, ["kubernetes"]);
  assert.equal(ns.status.phase, "Active");
  const finalized: any = {
    metadata: { name: "x", resourceVersion: "7" },
    spec: {},
    status: { phase: "Terminating" },
  };
  applyDefaults("", "Namespace", finalized);
  assert.equal(finalized.spec.finalizers, undefined);
  assert.equal(finalized.status.phase, "Terminating");
});

test("secrets default to Opaque and endpoint ports to TCP", () => {
  const s: any = { metadata: { name: "s" }, data: {} };
  applyDefaults("", "Secret", s);
  assert.equal(s.type, "Opaque");
  const ep: any = {
    metadata: { name: "external-service" },
    subsets: [{ addresses: [{ ip: "11.11.11.11" }], ports: [{ port: 80 }] }],
  };
  applyDefaults("", "Endpoints", ep);
  assert.equal(ep.subsets[0].ports[0].protocol, "TCP");
  const es: any = { metadata: { name: "es" }, addressType: "IPv4", endpoints: [], ports: [{ port: 80 }] };
  applyDefaults("discovery.k8s.io", "EndpointSlice", es);
  assert.deepEqual(es.ports, [{ port: 80, name: "", protocol: "TCP" }]);
});
