import { refFor } from "../refs.ts";
import type { ControllerRegistration } from "../types.ts";
import { EphemeralVolumeController } from "./ephemeral-controller.ts";
import { LOCAL_PATH_PROVISIONER, LocalPathProvisioner } from "./local-path-provisioner.ts";
import { PersistentVolumeController } from "./pv-controller.ts";
import { VolumeProtectionController } from "./volume-protection.ts";

const claims = refFor("", "persistentvolumeclaims");
const volumes = refFor("", "persistentvolumes");
const classes = refFor("storage.k8s.io", "storageclasses");
const pods = refFor("", "pods");

export const volumeControllers: ControllerRegistration[] = [
  {
    name: "persistentvolume-binder",
    create: (ctx) =>
      new PersistentVolumeController({
        client: ctx.client,
        claims: ctx.informers.for(claims),
        volumes: ctx.informers.for(volumes),
        classes: ctx.informers.for(classes),
        logger: ctx.logger,
        recorder: ctx.recorder("persistentvolume-controller"),
        externalDeleters: [LOCAL_PATH_PROVISIONER],
      }),
  },
  {
    name: "persistentvolume-protection",
    create: (ctx) =>
      new VolumeProtectionController({
        client: ctx.client,
        claims: ctx.informers.for(claims),
        volumes: ctx.informers.for(volumes),
        pods: ctx.informers.for(pods),
        logger: ctx.logger,
      }),
  },
  {
    name: "ephemeral-volume",
    create: (ctx) =>
      new EphemeralVolumeController({
        client: ctx.client,
        pods: ctx.informers.for(pods),
        claims: ctx.informers.for(claims),
        logger: ctx.logger,
        recorder: ctx.recorder("ephemeral_volume"),
      }),
  },
  {
    name: "local-path-provisioner",
    create: (ctx) =>
      new LocalPathProvisioner({
        client: ctx.client,
        claims: ctx.informers.for(claims),
        volumes: ctx.informers.for(volumes),
        classes: ctx.informers.for(classes),
        nodes: ctx.informers.for(refFor("", "nodes")),
        logger: ctx.logger,
        recorder: ctx.recorder(`${LOCAL_PATH_PROVISIONER}_skiff`),
        root: ctx.options.localStoragePath ?? "/var/lib/skiff/storage",
      }),
  },
];
