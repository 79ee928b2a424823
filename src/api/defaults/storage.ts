// PersistentVolume, PersistentVolumeClaim and StorageClass defaults (pkg/apis/core/v1/defaults.go
// SetDefaults_PersistentVolume(Claim), pkg/apis/storage/v1/defaults.go SetDefaults_StorageClass).
import { child, setIfEmpty, type Obj } from "./util.ts";

export function defaultPersistentVolumeClaimSpec(spec: Obj): void {
  setIfEmpty(spec, "volumeMode", "Filesystem");
}

export function defaultPersistentVolumeClaim(pvc: Obj): void {
  defaultPersistentVolumeClaimSpec(child(pvc, "spec"));
  setIfEmpty(child(pvc, "status"), "phase", "Pending");
}

export function defaultPersistentVolume(pv: Obj): void {
  const spec = child(pv, "spec");
  setIfEmpty(spec, "persistentVolumeReclaimPolicy", "Retain");
  setIfEmpty(spec, "volumeMode", "Filesystem");
  setIfEmpty(child(pv, "status"), "phase", "Pending");
}

export function defaultStorageClass(sc: Obj): void {
  setIfEmpty(sc, "reclaimPolicy", "Delete");
  setIfEmpty(sc, "volumeBindingMode", "Immediate");
}
