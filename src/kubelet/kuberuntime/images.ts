import type { KObject } from "../../apimachinery/meta.ts";
import type { Clock } from "../../util/clock.ts";
import { formatGoDuration } from "../go-duration.ts";
import type { AuthConfig, PodSandboxConfig } from "../cri/cri-types.ts";
import { normalizeImage } from "../simulated-runtime.ts";
import type { ObjectSource } from "./env.ts";
import type { RuntimeService } from "./runtime-service.ts";

// pkg/kubelet/images: pull back-off starts at 10s and doubles to 5 minutes.
const initialBackoffMs = 10_000;
const maxBackoffMs = 300_000;

/** Why a container's image is not there: the waiting reason and message the pod shows. */
export class ImageError extends Error {
  readonly reason: "ErrImagePull" | "ImagePullBackOff" | "ErrImageNeverPull" | "InvalidImageName";
  /** When the pod worker should look again. */
  readonly retryAfterMs: number;
  constructor(reason: ImageError["reason"], message: string, retryAfterMs = initialBackoffMs) {
    super(message);
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }
}

export type EventSink = (type: "Normal" | "Warning", reason: string, message: string) => void;

const referenceRe =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?)\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;

export function isValidImageReference(image: string): boolean {
  return image.length > 0 && image.length <= 255 && referenceRe.test(image);
}

/** The registry host an image is pulled from ("docker.io" for short names). */
export function registryHost(image: string): string {
  return normalizeImage(image).split("/")[0];
}

const dockerHubAliases = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/** Credentials for the image's registry from dockerconfigjson / dockercfg pull secrets (credentialprovider). */
export function pullSecretAuths(secrets: KObject[], image: string): AuthConfig[] {
  const host = registryHost(image);
  const out: AuthConfig[] = [];
  for (const s of secrets) {
    const data = ((s as Record<string, any>).data ?? {}) as Record<string, string>;
    let auths: Record<string, Record<string, string>> = {};
    try {
      if (data[".dockerconfigjson"])
        auths = JSON.parse(Buffer.from(data[".dockerconfigjson"], "base64").toString()).auths ?? {};
      else if (data[".dockercfg"]) auths = JSON.parse(Buffer.from(data[".dockercfg"], "base64").toString());
    } catch {
      continue;
    }
    for (const [key, a] of Object.entries(auths)) {
      const keyHost = key.replace(/^https?:\/\//, "").split("/")[0];
      const matches = keyHost === host || (dockerHubAliases.has(keyHost) && dockerHubAliases.has(host));
      if (!matches) continue;
      let { username, password } = a;
      if (a.auth && !username) {
        const decodedAuth = Buffer.from(a.auth, "base64").toString();
        const i = decodedAuth.indexOf(":");
        username = decodedAuth.slice(0, i);
        password = decodedAuth.slice(i + 1);
      }
      out.push({
        username,
        password,
        // containerd parses this as a URL and sends the credentials only to that URL's host;
        // a bare "host:port" fails its parse, so it gets a scheme.
        server_address: `https://${keyHost}`,
        identity_token: a.identitytoken,
        registry_token: a.registrytoken,
      });
    }
  }
  return out;
}

export interface ImageManagerDeps {
  runtime: RuntimeService;
  clock: Clock;
  source: ObjectSource;
}

/** The kubelet's image manager: pull policy, pull secrets, back-off and the events that go with them. */
export class ImageManager {
  private readonly deps: ImageManagerDeps;
  private readonly backoff = new Map<string, { delayMs: number; until: number }>();
  private readonly pulls = new Map<string, Promise<string>>();

  constructor(deps: ImageManagerDeps) {
    this.deps = deps;
  }

  /** Makes sure the container's image is present and answers its reference. */
  async ensureImage(
    pod: KObject,
    container: Record<string, any>,
    sandbox: PodSandboxConfig,
    event: EventSink,
  ): Promise<string> {
    const image = String(container.image ?? "");
    if (!isValidImageReference(image)) {
      const msg = `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format`;
      event("Warning", "InspectFailed", msg);
      throw new ImageError("InvalidImageName", msg);
    }
    const policy = String(container.imagePullPolicy ?? "IfNotPresent");
    const present = policy === "Always" ? undefined : await this.deps.runtime.imageStatus(image);
    if (present) {
      event("Normal", "Pulled", `Container image "${image}" already present on machine`);
      return present.id;
    }
    if (policy === "Never") {
      const msg = `Container image "${image}" is not present with pull policy of Never`;
      event("Warning", "ErrImageNeverPull", msg);
      throw new ImageError("ErrImageNeverPull", msg);
    }
    const key = `${pod.metadata?.uid}/${image}`;
    const now = this.deps.clock.now().getTime();
    const b = this.backoff.get(key);
    if (b && now < b.until) {
      event("Normal", "BackOff", `Back-off pulling image "${image}"`);
      throw new ImageError("ImagePullBackOff", `Back-off pulling image "${image}"`, b.until - now);
    }
    event("Normal", "Pulling", `Pulling image "${image}"`);
    const started = performance.now();
    try {
      const ref = await this.pull(pod, image, sandbox);
      this.backoff.delete(key);
      const took = formatGoDuration(Math.round(performance.now() - started));
      const size = (await this.deps.runtime.imageStatus(image).catch(() => undefined))?.size;
      event(
        "Normal",
        "Pulled",
        `Successfully pulled image "${image}" in ${took} (${took} including waiting)${size ? `. Image size: ${size} bytes.` : ""}`,
      );
      return ref;
    } catch (e) {
      const delayMs = b ? Math.min(b.delayMs * 2, maxBackoffMs) : initialBackoffMs;
      this.backoff.set(key, { delayMs, until: this.deps.clock.now().getTime() + delayMs });
      const msg = `Failed to pull image "${image}": ${(e as Error).message}`;
      event("Warning", "Failed", msg);
      // The next look falls inside the back-off, so the pod shows ImagePullBackOff between pulls.
      throw new ImageError("ErrImagePull", msg, delayMs / 2);
    }
  }

  /** One pull per image at a time: pods asking for the same image meanwhile share it. */
  private pull(pod: KObject, image: string, sandbox: PodSandboxConfig): Promise<string> {
    const names = (
      (pod.spec as { imagePullSecrets?: Array<{ name: string }> } | undefined)?.imagePullSecrets ?? []
    ).map((s) => s.name);
    const key = `${image}\0${pod.metadata?.namespace}\0${names.join(",")}`;
    let p = this.pulls.get(key);
    if (!p) {
      p = this.pullWithSecrets(pod, image, names, sandbox).finally(() => this.pulls.delete(key));
      this.pulls.set(key, p);
    }
    return p;
  }

  private async pullWithSecrets(
    pod: KObject,
    image: string,
    names: string[],
    sandbox: PodSandboxConfig,
  ): Promise<string> {
    const ns = pod.metadata?.namespace ?? "";
    const secrets: KObject[] = [];
    for (const n of names) {
      const s = await this.deps.source.secret(ns, n);
      if (s) secrets.push(s);
    }
    const auths = pullSecretAuths(secrets, image);
    // Each matching credential is tried in turn, then none (pkg/kubelet/kuberuntime PullImage).
    let lastErr: unknown;
    for (const auth of [...auths, undefined]) {
      try {
        return await this.deps.runtime.pullImage(image, auth, sandbox);
      } catch (e) {
        lastErr = e;
      }
    }
    throw lastErr instanceof Error ? lastErr : new Error(String(lastErr));
  }

  /** Forgets a pod's back-off (it is gone). */
  forget(uid: string): void {
    for (const k of this.backoff.keys()) if (k.startsWith(`${uid}/`)) this.backoff.delete(k);
  }
}
