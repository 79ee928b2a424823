import { unmountUnder } from "./mounts.ts";
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { KObject } from "../../apimachinery/meta.ts";
import type { Clock } from "../../util/clock.ts";
import { podFieldValue, resourceFieldValue, type EnvContext, type ObjectSource } from "../kuberuntime/env.ts";
import { writeAtomically, type PayloadFile } from "./atomic-writer.ts";

const run = promisify(execFile);

/** A volume could not be set up (FailedMount), with the reason upstream gives after "MountVolume.SetUp failed". */
export class MountError extends Error {
  readonly volume: string;
  constructor(volume: string, message: string) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${message}`);
    this.volume = volume;
  }
}

export interface MountedVolume {
  hostPath: string;
  /** configMap, secret, downwardAPI and projected volumes are always read-only in the container. */
  readOnly: boolean;
}

export interface VolumeManagerDeps {
  /** DATA-DIR/agent/pods: one folder per pod UID. */
  podsDir: string;
  source: ObjectSource;
  clock: Clock;
  nodeAllocatable: EnvContext["nodeAllocatable"];
  /** A bound service account token (TokenRequest), for projected serviceAccountToken sources. */
  requestToken?(pod: KObject, audience: string | undefined, expirationSeconds: number): Promise<string>;
  /** Whether tmpfs can be mounted (root); otherwise memory-backed volumes are folders. */
  canMount: boolean;
}

type VolumeSpec = Record<string, any> & { name: string };

const pluginDir: Record<string, string> = {
  emptyDir: "kubernetes.io~empty-dir",
  configMap: "kubernetes.io~configmap",
  secret: "kubernetes.io~secret",
  downwardAPI: "kubernetes.io~downward-api",
  projected: "kubernetes.io~projected",
};

function kindOf(v: VolumeSpec): string {
  for (const k of [
    "emptyDir",
    "hostPath",
    "configMap",
    "secret",
    "downwardAPI",
    "projected",
    "persistentVolumeClaim",
    "ephemeral",
  ])
    if (v[k]) return k;
  return Object.keys(v).find((k) => k !== "name") ?? "unknown";
}

function decoded(obj: KObject, secret: boolean): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const o = obj as Record<string, any>;
  for (const [k, v] of Object.entries((o.data ?? {}) as Record<string, string>))
    out.set(k, secret ? Buffer.from(v, "base64") : Buffer.from(v));
  for (const [k, v] of Object.entries((o.binaryData ?? {}) as Record<string, string>))
    out.set(k, Buffer.from(v, "base64"));
  return out;
}

/**
 * Sets up, refreshes and tears down a pod's volumes on the node (the kubelet's volume manager with
 * the emptyDir, hostPath, configMap, secret, downwardAPI and projected plugins).
 */
export class VolumeManager {
  private readonly deps: VolumeManagerDeps;
  private readonly mounts = new Map<string, Set<string>>();

  constructor(deps: VolumeManagerDeps) {
    this.deps = deps;
  }

  podDir(uid: string): string {
    return join(this.deps.podsDir, uid);
  }

  /** Sets up every volume of the pod (again: it is idempotent, and rewrites changed contents). */
  async setUp(pod: KObject, podIP: string | undefined, hostIP: string): Promise<Map<string, MountedVolume>> {
    const out = new Map<string, MountedVolume>();
    const volumes = ((pod.spec as { volumes?: VolumeSpec[] } | undefined)?.volumes ?? []) as VolumeSpec[];
    for (const v of volumes) out.set(v.name, await this.setUpOne(pod, v, podIP, hostIP));
    return out;
  }

  private async setUpOne(
    pod: KObject,
    v: VolumeSpec,
    podIP: string | undefined,
    hostIP: string,
  ): Promise<MountedVolume> {
    const kind = kindOf(v);
    const uid = pod.metadata?.uid ?? "";
    if (kind === "hostPath") return { hostPath: this.hostPath(v), readOnly: false };
    if (kind === "persistentVolumeClaim" || kind === "ephemeral") return this.claimed(pod, v, kind);
    const plugin = pluginDir[kind];
    if (!plugin) throw new MountError(v.name, `volume type ${kind} is not supported by this node`);
    const dir = join(this.podDir(uid), "volumes", plugin, v.name);
    const fresh = !existsSync(dir);
    mkdirSync(dir, { recursive: true });
    if (kind === "emptyDir") {
      if (fresh) chmodSync(dir, 0o777);
      if (v.emptyDir.medium === "Memory") await this.tmpfs(uid, dir, v.emptyDir.sizeLimit);
      return { hostPath: dir, readOnly: false };
    }
    // Secrets never touch the disk where tmpfs can be had (as upstream's secret plugin).
    if (fresh && (kind === "secret" || kind === "projected")) await this.tmpfs(uid, dir, undefined, true);
    const payload = await this.payload(pod, v, kind, podIP, hostIP);
    writeAtomically(dir, payload, this.deps.clock.now());
    return { hostPath: dir, readOnly: true };
  }

  /**
   * A claim's volume (the persistentVolumeClaim and ephemeral plugins through the bound
   * PersistentVolume): hostPath and local volumes are the node's own folders, bind-mounted.
   */
  private async claimed(pod: KObject, v: VolumeSpec, kind: string): Promise<MountedVolume> {
    const ns = pod.metadata?.namespace ?? "";
    const claimName =
      kind === "ephemeral"
        ? `${pod.metadata?.name ?? ""}-${v.name}`
        : String(v.persistentVolumeClaim.claimName ?? "");
    const src = this.deps.source;
    const claim = (await src.persistentVolumeClaim?.(ns, claimName)) as Record<string, any> | undefined;
    if (!claim) throw new MountError(v.name, `persistentvolumeclaim "${claimName}" not found`);
    if (
      kind === "ephemeral" &&
      !claim.metadata?.ownerReferences?.some((o: any) => o.uid === pod.metadata?.uid)
    )
      throw new MountError(
        v.name,
        `PVC ${ns}/${claimName} was not created for pod ${ns}/${pod.metadata?.name} (pod is not owner)`,
      );
    const volumeName = claim.spec?.volumeName;
    if (!volumeName || claim.status?.phase !== "Bound")
      throw new MountError(v.name, `PVC ${ns}/${claimName} is not bound`);
    const pv = (await src.persistentVolume?.(volumeName)) as Record<string, any> | undefined;
    if (!pv) throw new MountError(v.name, `persistentvolume "${volumeName}" not found`);
    const readOnly = v.persistentVolumeClaim?.readOnly === true;
    if (pv.spec?.hostPath)
      return { hostPath: this.hostPath({ name: v.name, hostPath: pv.spec.hostPath }), readOnly };
    if (pv.spec?.local) {
      const path = String(pv.spec.local.path ?? "");
      if (!existsSync(path))
        throw new MountError(v.name, `mount failed: stat ${path}: no such file or directory`);
      return { hostPath: path, readOnly };
    }
    throw new MountError(
      v.name,
      `volume type of persistentvolume "${volumeName}" is not supported by this node`,
    );
  }

  private hostPath(v: VolumeSpec): string {
    const path = String(v.hostPath.path ?? "");
    const type = String(v.hostPath.type ?? "");
    const st = existsSync(path) ? statSync(path) : undefined;
    const fail = (what: string) => {
      throw new MountError(v.name, `hostPath type check failed: ${path} is not a ${what}`);
    };
    switch (type) {
      case "DirectoryOrCreate":
        if (!st) mkdirSync(path, { recursive: true, mode: 0o755 });
        else if (!st.isDirectory()) fail("directory");
        break;
      case "FileOrCreate":
        if (!st) writeFileSync(path, "", { mode: 0o644 });
        else if (!st.isFile()) fail("file");
        break;
      case "Directory":
        if (!st?.isDirectory()) fail("directory");
        break;
      case "File":
        if (!st?.isFile()) fail("file");
        break;
      case "Socket":
        if (!st?.isSocket()) fail("socket");
        break;
      case "CharDevice":
        if (!st?.isCharacterDevice()) fail("character device");
        break;
      case "BlockDevice":
        if (!st?.isBlockDevice()) fail("block device");
        break;
    }
    return path;
  }

  private async tmpfs(uid: string, dir: string, sizeLimit: unknown, optional = false): Promise<void> {
    if (!this.deps.canMount) return;
    const mounted = this.mounts.get(uid) ?? new Set<string>();
    if (mounted.has(dir) || isMountPoint(dir)) {
      mounted.add(dir);
      this.mounts.set(uid, mounted);
      return;
    }
    const args = ["-t", "tmpfs"];
    if (sizeLimit) args.push("-o", `size=${String(sizeLimit).replace(/i$/, "")}`);
    try {
      await run("mount", [...args, "tmpfs", dir]);
      mounted.add(dir);
      this.mounts.set(uid, mounted);
    } catch (e) {
      if (!optional)
        throw new MountError(dir.split("/").pop() ?? "", `mount tmpfs: ${(e as Error).message.trim()}`);
    }
  }

  private async payload(
    pod: KObject,
    v: VolumeSpec,
    kind: string,
    podIP: string | undefined,
    hostIP: string,
  ): Promise<Map<string, PayloadFile>> {
    const out = new Map<string, PayloadFile>();
    const ns = pod.metadata?.namespace ?? "";
    const defaultMode = Number(v[kind].defaultMode ?? 0o644) & 0o777;
    const fromObject = async (src: Record<string, any>, secret: boolean, mode: number) => {
      const name = String(src.name ?? "");
      const obj = secret
        ? await this.deps.source.secret(ns, name)
        : await this.deps.source.configMap(ns, name);
      if (!obj) {
        if (src.optional) return;
        throw new MountError(v.name, `${secret ? "secret" : "configmap"} "${name}" not found`);
      }
      const data = decoded(obj, secret);
      const items = (src.items ?? []) as Array<{ key: string; path: string; mode?: number }>;
      if (!items.length) {
        for (const [k, d] of data) out.set(k, { data: d, mode });
        return;
      }
      for (const it of items) {
        const d = data.get(it.key);
        if (!d) {
          if (src.optional) continue;
          throw new MountError(
            v.name,
            `${secret ? "secret" : "configmap"} references non-existent ${secret ? "secret" : "config"} key: ${it.key}`,
          );
        }
        out.set(it.path, { data: d, mode: (it.mode ?? mode) & 0o777 });
      }
    };
    const fromDownward = (items: Array<Record<string, any>>, mode: number) => {
      for (const it of items) {
        const value = it.fieldRef
          ? podFieldValue(pod, it.fieldRef.fieldPath, podIP, hostIP)
          : resourceFieldValue(pod, it.resourceFieldRef, {}, this.deps.nodeAllocatable);
        out.set(it.path, { data: Buffer.from(value), mode: (it.mode ?? mode) & 0o777 });
      }
    };
    if (kind === "configMap") await fromObject(v.configMap, false, defaultMode);
    else if (kind === "secret")
      await fromObject({ ...v.secret, name: v.secret.secretName }, true, defaultMode);
    else if (kind === "downwardAPI") fromDownward(v.downwardAPI.items ?? [], defaultMode);
    else {
      for (const s of (v.projected.sources ?? []) as Array<Record<string, any>>) {
        if (s.configMap) await fromObject(s.configMap, false, defaultMode);
        else if (s.secret) await fromObject(s.secret, true, defaultMode);
        else if (s.downwardAPI) fromDownward(s.downwardAPI.items ?? [], defaultMode);
        else if (s.serviceAccountToken) {
          if (!this.deps.requestToken)
            throw new MountError(v.name, "service account tokens are not available");
          const t = s.serviceAccountToken;
          let token: string;
          try {
            token = await this.deps.requestToken(pod, t.audience, t.expirationSeconds ?? 3600);
          } catch (e) {
            throw new MountError(v.name, `failed to fetch token: ${(e as Error).message}`);
          }
          out.set(t.path, { data: Buffer.from(token), mode: defaultMode === 0o644 ? 0o600 : defaultMode });
        }
      }
    }
    return out;
  }

  /** Unmounts and removes everything the pod had on the node. */
  async tearDown(uid: string): Promise<void> {
    // From the mount table, not from memory: an agent restarted since the pod started knows no mounts.
    if (this.deps.canMount) await unmountUnder(this.podDir(uid));
    this.mounts.delete(uid);
    rmSync(this.podDir(uid), { recursive: true, force: true });
  }

  /** Files for a container's termination message (terminationMessagePath), one per container instance. */
  terminationFile(uid: string, container: string, attempt: number): string {
    const dir = join(this.podDir(uid), "containers", container);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `termination-${attempt}`);
    if (!existsSync(file)) writeFileSync(file, "", { mode: 0o666 });
    chmodSync(file, 0o666);
    return file;
  }

  readTerminationMessage(uid: string, container: string, attempt: number): string {
    try {
      return readFileSync(
        join(this.podDir(uid), "containers", container, `termination-${attempt}`),
        "utf8",
      ).slice(0, 4096);
    } catch {
      return "";
    }
  }
}

function isMountPoint(dir: string): boolean {
  try {
    const mounts = readFileSync("/proc/self/mounts", "utf8");
    return mounts.split("\n").some((l) => l.split(" ")[1] === dir);
  } catch {
    return false;
  }
}
