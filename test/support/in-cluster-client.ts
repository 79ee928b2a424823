// Run inside a pod by test/e2e/in-cluster-clients.test.ts: @kubernetes/client-node's in-cluster
// configuration (the mounted token and CA, KUBERNETES_SERVICE_HOST), unchanged, as an operator
// uses it. Prints what it could and could not do, one line each.
import * as k8s from "@kubernetes/client-node";

const kc = new k8s.KubeConfig();
kc.loadFromCluster();
const core = kc.makeApiClient(k8s.CoreV1Api);
console.log(`server ${kc.getCurrentCluster()?.server}`);
const pods = await core.listNamespacedPod({ namespace: "default" });
console.log(`pods ${pods.items.map((p) => p.metadata?.name).join(",")}`);
try {
  await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "from-pod" } } });
  console.log("configmap created");
} catch (e) {
  const err = e as k8s.ApiException<string>;
  console.log(`configmap refused ${err.code}: ${(JSON.parse(err.body) as { message: string }).message}`);
}
