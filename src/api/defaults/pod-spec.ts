// SetDefaults_PodSpec and the defaulters it pulls in for containers, probes, ports and
// volumes (pkg/apis/core/v1/defaults.go and zz_generated.defaults.go). These apply to every
// PodSpec, including templates; Pod-only defaults live in pod.ts.
import { child, isObj, list, setIfEmpty, setIfUnset, type Obj } from "./util.ts";

/** The tag parsers.ParseImageName reports: "latest" when neither tag nor digest is given. */
export function imageTag(image: string): string {
  if (!image || /\s/.test(image)) return "";
  const at = image.indexOf("@");
  const hasDigest = at >= 0;
  const name = hasDigest ? image.slice(0, at) : image;
  const lastSlash = name.lastIndexOf("/");
  const colon = name.indexOf(":", lastSlash + 1);
  const repo = colon >= 0 ? name.slice(0, colon) : name;
  // An unparseable reference (e.g. upper case in the path) has no tag at all.
  if (!repo || /[A-Z]/.test(repo.slice(repo.indexOf("/") + 1))) return "";
  if (colon >= 0) return name.slice(colon + 1);
  return hasDigest ? "" : "latest";
}

function defaultHTTPGet(h: unknown): void {
  if (!isObj(h)) return;
  setIfEmpty(h, "path", "/");
  setIfEmpty(h, "scheme", "HTTP");
}

function defaultProbe(p: unknown): void {
  if (!isObj(p)) return;
  for (const [k, v] of [
    ["timeoutSeconds", 1],
    ["periodSeconds", 10],
    ["successThreshold", 1],
    ["failureThreshold", 3],
  ] as const) {
    if (!p[k]) p[k] = v;
  }
  defaultHTTPGet(p.httpGet);
}

function defaultFieldRef(fr: unknown): void {
  if (isObj(fr)) setIfEmpty(fr, "apiVersion", "v1");
}

export function defaultContainer(c: Obj): void {
  if (!c.imagePullPolicy)
    c.imagePullPolicy = imageTag(String(c.image ?? "")) === "latest" ? "Always" : "IfNotPresent";
  setIfEmpty(c, "terminationMessagePath", "/dev/termination-log");
  setIfEmpty(c, "terminationMessagePolicy", "File");
  // Container.Resources is a struct, so upstream always serializes it, empty or not.
  if (!isObj(c.resources)) c.resources = {};
  for (const port of list(c.ports)) setIfEmpty(port, "protocol", "TCP");
  for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) defaultProbe(c[probe]);
  if (isObj(c.lifecycle)) {
    for (const hook of ["postStart", "preStop"])
      if (isObj(c.lifecycle[hook])) defaultHTTPGet(c.lifecycle[hook].httpGet);
  }
  for (const e of list(c.env)) if (isObj(e.valueFrom)) defaultFieldRef(e.valueFrom.fieldRef);
}

const volumeSources = [
  "hostPath",
  "emptyDir",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "secret",
  "nfs",
  "iscsi",
  "glusterfs",
  "persistentVolumeClaim",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "downwardAPI",
  "fc",
  "azureFile",
  "configMap",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "projected",
  "portworxVolume",
  "scaleIO",
  "storageos",
  "csi",
  "ephemeral",
  "image",
];

function defaultVolume(v: Obj): void {
  if (!volumeSources.some((s) => isObj(v[s]))) v.emptyDir = {};
  if (isObj(v.secret)) setIfUnset(v.secret, "defaultMode", 0o644);
  if (isObj(v.configMap)) setIfUnset(v.configMap, "defaultMode", 0o644);
  if (isObj(v.downwardAPI)) {
    setIfUnset(v.downwardAPI, "defaultMode", 0o644);
    for (const item of list(v.downwardAPI.items)) defaultFieldRef(item.fieldRef);
  }
  if (isObj(v.projected)) {
    setIfUnset(v.projected, "defaultMode", 0o644);
    for (const src of list(v.projected.sources)) {
      if (isObj(src.serviceAccountToken)) setIfUnset(src.serviceAccountToken, "expirationSeconds", 3600);
      if (isObj(src.downwardAPI))
        for (const item of list(src.downwardAPI.items)) defaultFieldRef(item.fieldRef);
    }
  }
  // HostPathUnset is the empty string, and upstream serializes it.
  if (isObj(v.hostPath)) setIfUnset(v.hostPath, "type", "");
}

export function defaultPodSpec(spec: Obj): void {
  setIfEmpty(spec, "dnsPolicy", "ClusterFirst");
  setIfEmpty(spec, "restartPolicy", "Always");
  if (!isObj(spec.securityContext)) spec.securityContext = {};
  setIfUnset(spec, "terminationGracePeriodSeconds", 30);
  setIfEmpty(spec, "schedulerName", "default-scheduler");
  for (const c of list(spec.containers)) defaultContainer(c);
  for (const c of list(spec.initContainers)) defaultContainer(c);
  for (const c of list(spec.ephemeralContainers)) defaultContainer(c);
  for (const v of list(spec.volumes)) defaultVolume(v);
}

/** Defaults for a PodTemplateSpec embedded in a workload. */
export function defaultPodTemplate(template: unknown): void {
  if (!isObj(template)) return;
  // ObjectMeta.CreationTimestamp is a struct, so Go prints `creationTimestamp: null` in templates.
  const meta = child(template, "metadata");
  if (!("creationTimestamp" in meta)) meta.creationTimestamp = null;
  defaultPodSpec(child(template, "spec"));
}
