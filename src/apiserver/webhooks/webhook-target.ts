// Where a webhook is called and the call itself: a URL as given, or a service reference resolved
// to one of its ready endpoints; the review POSTed over HTTPS with the webhook's CA and timeout.
import { request } from "node:https";
import type { Registry } from "../registry/registry.ts";
import type { Webhook } from "./webhook-admission.ts";

/** Where a call goes: the URL named in errors, and the address dialled (a service's endpoint). */
export interface Target {
  url: URL;
  /** The URL as errors print it: a service's DNS name with its port, and the timeout. */
  display: string;
  dial?: { host: string; port: number; servername: string };
}

export function post(
  target: Target,
  body: string,
  ca: string | undefined,
  timeoutMs: number,
): Promise<string> {
  const { url, dial } = target;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        ...(dial
          ? { host: dial.host, port: dial.port, servername: dial.servername }
          : { hostname: url.hostname.replace(/^\[|\]$/g, ""), port: url.port || 443 }),
        path: url.pathname + url.search,
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "Content-Length": Buffer.byteLength(body),
        },
        ...(ca ? { ca } : {}),
        timeout: timeoutMs,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => {
          if ((res.statusCode ?? 0) >= 300)
            reject(new Error(`expected response code 200, got ${res.statusCode}`));
          else resolve(text);
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("context deadline exceeded")));
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * A URL is dialled as given. A service reference is resolved to one of the service's ready
 * endpoints (as kube-apiserver's endpoint resolver does), dialled with the service's DNS name
 * for TLS, so that the API server needs no cluster DNS or service routing of its own.
 */
export async function webhookTarget(registry: Registry, w: Webhook): Promise<Target> {
  const timeout = `${w.timeoutSeconds ?? 10}s`;
  if (w.clientConfig.url) {
    const url = new URL(w.clientConfig.url);
    url.searchParams.set("timeout", timeout);
    return { url, display: url.href };
  }
  const svc = w.clientConfig.service;
  if (!svc) throw new Error("the webhook has neither a url nor a service");
  const port = svc.port ?? 443;
  const host = `${svc.name}.${svc.namespace}.svc`;
  const url = new URL(`https://${host}:${port}${svc.path ?? "/"}`);
  url.searchParams.set("timeout", timeout);
  const display = `https://${host}:${port}${url.pathname}${url.search}`;
  const service = await registry.get("", "services")?.tryGet(svc.namespace, svc.name);
  if (!service) throw new Error(`failed to call webhook: service "${svc.name}" not found`);
  const ports = ((service.spec as { ports?: ServicePort[] } | undefined)?.ports ?? []) as ServicePort[];
  const sp = ports.find((p) => p.port === port);
  if (!sp) throw new Error(`failed to call webhook: no service port ${port} found for service "${svc.name}"`);
  const slices = await registry.get("discovery.k8s.io", "endpointslices")?.list(svc.namespace, {
    filter: (o) => o.metadata?.labels?.["kubernetes.io/service-name"] === svc.name,
  });
  for (const slice of slices?.items ?? []) {
    const s = slice as unknown as EndpointSlice;
    const ep = (s.ports ?? []).find((p) => (p.name ?? "") === (sp.name ?? ""));
    if (!ep?.port) continue;
    const ready = (s.endpoints ?? []).find((e) => e.conditions?.ready !== false && e.addresses?.length);
    if (ready) return { url, display, dial: { host: ready.addresses![0], port: ep.port, servername: host } };
  }
  throw new Error(
    `failed to call webhook: Post "${display}": no endpoints available for service "${svc.name}"`,
  );
}

interface ServicePort {
  name?: string;
  port: number;
}
interface EndpointSlice {
  ports?: Array<{ name?: string; port?: number }>;
  endpoints?: Array<{ addresses?: string[]; conditions?: { ready?: boolean } }>;
}
