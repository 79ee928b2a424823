import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { tar, type TarEntry } from "../../util/tar.ts";

/** The runtime part of an image config (OCI image-spec "config"). */
export interface ImageRunConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Labels?: Record<string, string>;
  StopSignal?: string;
}

export interface ImageSpec {
  /** Each layer's files, bottom first. */
  layers: TarEntry[][];
  config: ImageRunConfig;
  architecture?: string;
  os?: string;
  /** Fixed creation time, so the same spec always gives the same digests. */
  created?: string;
}

export interface BuiltLayer {
  tar: Buffer;
  gz: Buffer;
  /** Digest of the compressed blob, as the manifest names it. */
  digest: string;
  /** Digest of the uncompressed tar, as the config's rootfs names it. */
  diffID: string;
}

export interface BuiltImage {
  config: Buffer;
  configDigest: string;
  layers: BuiltLayer[];
  /** Docker image manifest v2 schema 2 (what registries and containerd accept everywhere). */
  manifest: Buffer;
  manifestDigest: string;
}

export const MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json";
const CONFIG_V1 = "application/vnd.docker.container.image.v1+json";
const LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";

export const sha256 = (b: Buffer | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** Go's GOARCH for this machine, as image configs name architectures. */
export function goArch(arch: string = process.arch): string {
  return arch === "x64" ? "amd64" : arch === "ia32" ? "386" : arch;
}

export function buildImage(spec: ImageSpec): BuiltImage {
  const layers = spec.layers.map((entries): BuiltLayer => {
    const t = tar(entries);
    // Level and mtime fixed: the same files give the same blob digest.
    const gz = gzipSync(t, { level: 6 });
    return { tar: t, gz, digest: sha256(gz), diffID: sha256(t) };
  });
  const config = Buffer.from(
    JSON.stringify({
      architecture: spec.architecture ?? goArch(),
      os: spec.os ?? "linux",
      created: spec.created ?? "2024-01-01T00:00:00Z",
      config: spec.config,
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffID) },
      history: layers.map(() => ({ created: spec.created ?? "2024-01-01T00:00:00Z", created_by: "skiff" })),
    }),
  );
  const configDigest = sha256(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_V2,
      config: { mediaType: CONFIG_V1, size: config.length, digest: configDigest },
      layers: layers.map((l) => ({ mediaType: LAYER_GZIP, size: l.gz.length, digest: l.digest })),
    }),
  );
  return { config, configDigest, layers, manifest, manifestDigest: sha256(manifest) };
}

/**
 * The image as `docker save` writes it: manifest.json naming the config, the tags and the layer
 * tars. `ctr images import` keeps its tags, and it is what users put in the air-gap images folder.
 */
export function dockerArchive(image: BuiltImage, repoTags: string[]): Buffer {
  const hex = (d: string) => d.replace(/^sha256:/, "");
  const entries: TarEntry[] = [{ path: `${hex(image.configDigest)}.json`, type: "file", data: image.config }];
  const layerPaths: string[] = [];
  for (const l of image.layers) {
    const dir = hex(l.diffID);
    entries.push({ path: dir, type: "dir" });
    entries.push({ path: `${dir}/layer.tar`, type: "file", data: l.tar });
    layerPaths.push(`${dir}/layer.tar`);
  }
  entries.push({
    path: "manifest.json",
    type: "file",
    data: JSON.stringify([
      { Config: `${hex(image.configDigest)}.json`, RepoTags: repoTags, Layers: layerPaths },
    ]),
  });
  return tar(entries);
}
