import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { KObject } from "../../apimachinery/meta.ts";
import { badRequest, isStatusError, notFound, StatusError } from "../../apimachinery/status-error.ts";
import { rejectUpgrade, spliceUpgrade, upgradeRequestHead } from "../../util/streams/upgrade-proxy.ts";
import type { KubeletConnections } from "../kubelet-connections.ts";
import type { Registry } from "../registry/registry.ts";

export interface PodConnectDeps {
  registry: Registry;
  kubelets: KubeletConnections;
  /** CONNECT admission (webhooks) with the request's options object; a refusal throws. */
  admitConnect?(namespace: string, name: string, subresource: string, options: KObject): Promise<void>;
}

const optionKinds = {
  exec: "PodExecOptions",
  attach: "PodAttachOptions",
  portforward: "PodPortForwardOptions",
};

/** The options object a CONNECT is admitted with, as the query parameters decode into it. */
export function connectOptions(what: "exec" | "attach" | "portforward", q: URLSearchParams): KObject {
  const o: Record<string, unknown> = { kind: optionKinds[what], apiVersion: "v1" };
  if (what === "portforward") {
    const ports = q
      .getAll("ports")
      .flatMap((p) => p.split(","))
      .map(Number)
      .filter(Number.isInteger);
    if (ports.length) o.ports = ports;
    return o as KObject;
  }
  for (const f of ["stdin", "stdout", "stderr", "tty"]) {
    const v = q.get(f);
    if (v !== null && v !== "0" && v.toLowerCase() !== "false") o[f] = true;
  }
  const container = q.get("container");
  if (container) o.container = container;
  if (what === "exec") o.command = q.getAll("command");
  return o as KObject;
}

const connectPath = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach|portforward)$/;

export function isPodConnect(path: string): boolean {
  return connectPath.test(path);
}

/** The container an exec or attach means (pkg/registry/core/pod/strategy.go ExecLocation). */
function containerFor(pod: KObject, requested: string): string {
  const spec = (pod.spec ?? {}) as {
    containers?: Array<{ name: string }>;
    initContainers?: Array<{ name: string }>;
  };
  const names = (spec.containers ?? []).map((c) => c.name);
  const inits = (spec.initContainers ?? []).map((c) => c.name);
  const podName = pod.metadata?.name ?? "";
  if (!requested) {
    const dflt = pod.metadata?.annotations?.["kubectl.kubernetes.io/default-container"];
    if (dflt && names.includes(dflt)) return dflt;
    if (names.length === 1) return names[0];
    let msg = `a container name must be specified for pod ${podName}, choose one of: [${names.join(" ")}]`;
    if (inits.length) msg += ` or one of the init containers: [${inits.join(" ")}]`;
    throw badRequest(msg);
  }
  if (!names.includes(requested) && !inits.includes(requested))
    throw badRequest(`container ${requested} is not valid for pod ${podName}`);
  return requested;
}

/**
 * pods/exec, pods/attach and pods/portforward: the request is checked here, then the upgraded
 * connection is spliced through to the pod's kubelet, which speaks to the runtime (upstream's
 * UpgradeAwareHandler). Both WebSocket (kubectl 1.30+) and SPDY (1.27–1.29) pass through.
 */
export async function handlePodConnect(
  deps: PodConnectDeps,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  const url = new URL(req.url ?? "/", "https://local");
  const m = connectPath.exec(url.pathname)!;
  const [namespace, name, what] = [
    decodeURIComponent(m[1]),
    decodeURIComponent(m[2]),
    m[3] as "exec" | "attach" | "portforward",
  ];
  try {
    await deps.admitConnect?.(namespace, name, what, connectOptions(what, url.searchParams));
    const pods = deps.registry.get("", "pods")!;
    let pod: KObject;
    try {
      pod = await pods.get(namespace, name);
    } catch (e) {
      if (isStatusError(e) && e.code === 404) throw notFound({ group: "", resource: "pods" }, name);
      throw e;
    }
    const spec = (pod.spec ?? {}) as { nodeName?: string };
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    if (what !== "portforward" && (phase === "Succeeded" || phase === "Failed"))
      throw badRequest(`cannot ${what} into a container in a completed pod; current phase is ${phase}`);
    if (!spec.nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
    if (deps.kubelets.local(spec.nodeName))
      throw badRequest(
        `${what} is not available for pods on simulated node "${spec.nodeName}": its containers are not processes`,
      );
    const q = url.searchParams;
    let path: string;
    if (what === "portforward")
      path = `/portForward/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
    else {
      const container = containerFor(pod, q.get("container") ?? "");
      if (what === "exec" && !q.getAll("command").length)
        throw badRequest("you must specify at least 1 command");
      path = `/${what}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}`;
    }
    const query = url.search;
    const { socket: upstream, address } = await deps.kubelets.dial(spec.nodeName, path);
    spliceUpgrade(
      socket,
      head,
      upstream,
      upgradeRequestHead(
        req.method ?? "GET",
        `${path}${query}`,
        `${address.host}:${address.port}`,
        req.headers,
      ),
    );
  } catch (e) {
    const err = isStatusError(e) ? e : new StatusError(500, "InternalError", (e as Error).message);
    rejectUpgrade(socket, err.code, err.toStatus());
  }
}
