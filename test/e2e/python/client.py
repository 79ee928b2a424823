# Drives skiff with the official Python client (Debian's python3-kubernetes), as a user's script would:
# discovery, a watch that sees events, a followed log that stays open, and the dynamic client.
# Prints one JSON object with what it saw; the test asserts on it.
import json
import sys
import threading
import time

from kubernetes import client, config, dynamic, watch

kubeconfig, pod_name = sys.argv[1], sys.argv[2]
api_client = config.new_client_from_config(config_file=kubeconfig)
v1 = client.CoreV1Api(api_client)
out = {}

out["gitVersion"] = client.VersionApi(api_client).get_code().git_version
out["groups"] = sorted(g.name for g in client.ApisApi(api_client).get_api_versions().groups)
out["coreVersions"] = client.CoreApi(api_client).get_api_versions().versions

# A watch from now: the configmap created after it starts must arrive as ADDED then MODIFIED.
def writer():
    time.sleep(0.5)
    v1.create_namespaced_config_map("default", {"metadata": {"name": "py-watched"}, "data": {"a": "1"}})
    v1.patch_namespaced_config_map("py-watched", "default", {"data": {"a": "2"}})

seen = []
rv = v1.list_namespaced_config_map("default").metadata.resource_version
threading.Thread(target=writer).start()
w = watch.Watch()
started = time.time()
for ev in w.stream(v1.list_namespaced_config_map, "default", resource_version=rv, timeout_seconds=10):
    if ev["object"].metadata.name == "py-watched":
        seen.append([ev["type"], ev["object"].data["a"]])
    if len(seen) == 2:
        w.stop()
out["watched"] = seen
out["watchSeconds"] = round(time.time() - started, 1)

# follow=True: the stream stays open after the lines so far, as upstream's does.
resp = v1.read_namespaced_pod_log(pod_name, "default", follow=True, timestamps=True, _preload_content=False)
first = resp.readline().decode()
rest = {}
reader = threading.Thread(target=lambda: rest.update(more=resp.read(1)), daemon=True)
reader.start()
reader.join(1.5)
# Still reading after 1.5 s: the server keeps the stream open, following.
out["followEnded"] = not reader.is_alive()
out["firstLogLine"] = first
out["unfollowedLog"] = v1.read_namespaced_pod_log(pod_name, "default", follow=False)

# The dynamic client: discovery-driven CRUD of a kind it looks up by apiVersion and kind.
dyn = dynamic.DynamicClient(api_client)
cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
out["deploymentsNamespaced"] = deployments.namespaced
cms.create(body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "py-dyn"}, "data": {"k": "v"}}, namespace="default")
cms.patch(name="py-dyn", namespace="default", body={"data": {"k": "w"}}, content_type="application/merge-patch+json")
out["dynamicGot"] = cms.get(name="py-dyn", namespace="default").data.k
out["dynamicListed"] = "py-dyn" in [i.metadata.name for i in cms.get(namespace="default").items]
cms.delete(name="py-dyn", namespace="default")
try:
    cms.get(name="py-dyn", namespace="default")
    out["dynamicDeleted"] = False
except dynamic.exceptions.NotFoundError:
    out["dynamicDeleted"] = True

# The dynamic client with a custom resource: a CRD created through it, then its kind looked up
# by discovery (invalidated once the CRD exists, as a user's script does) and used.
crds = dyn.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition")
crds.create(body={
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "pythings.py.example.com"},
    "spec": {
        "group": "py.example.com",
        "scope": "Namespaced",
        "names": {"plural": "pythings", "singular": "pything", "kind": "PyThing"},
        "versions": [{
            "name": "v1", "served": True, "storage": True,
            "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": {
                "type": "object", "properties": {"size": {"type": "integer", "default": 3}}}}}},
        }],
    },
})
things = None
for _ in range(50):
    try:
        dyn.resources.invalidate_cache()
        things = dyn.resources.get(api_version="py.example.com/v1", kind="PyThing")
        break
    except dynamic.exceptions.ResourceNotFoundError:
        time.sleep(0.1)
things.create(body={"apiVersion": "py.example.com/v1", "kind": "PyThing", "metadata": {"name": "t1"}, "spec": {}}, namespace="default")
out["customDefaulted"] = things.get(name="t1", namespace="default").spec.size
out["customListed"] = [i.metadata.name for i in things.get(namespace="default").items]

print(json.dumps(out))
