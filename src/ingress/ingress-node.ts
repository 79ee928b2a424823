// A node's Ingress controller: HTTP and HTTPS listeners on the node's addresses, routing from a
// table rebuilt whenever an Ingress, IngressClass, Service, EndpointSlice or TLS Secret changes.
// The control plane's ingress controller writes the Ingresses' status and reports bad references;
// this part only serves.
import { createSecureContext, type SecureContext } from "node:tls";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { ApiClient } from "../client/interface.ts";
import { Informer } from "../client/informer.ts";
import { refFor } from "../controllers/refs.ts";
import { createCa, issueLeaf } from "../apiserver/pki/issue.ts";
import type { Logger } from "../util/logger.ts";
import { IngressTable, requestHost } from "./routes.ts";

export interface IngressNodeDeps {
  client: ApiClient;
  logger: Logger;
  informers: { services: Informer; slices: Informer };
  nodeName: string;
  /** 0 turns a listener off. */
  httpPort: number;
  httpsPort: number;
  bindAddress?: string;
}

/** What ingress-nginx serves when no TLS secret fits: a self-signed certificate of its own. */
function fakeCertificate(): SecureContext {
  const now = new Date();
  const ca = createCa("Kubernetes Ingress Controller Fake Certificate", now);
  const leaf = issueLeaf(
    ca,
    {
      commonName: "Kubernetes Ingress Controller Fake Certificate",
      organizations: ["Acme Co"],
      usage: "serverAuth",
      dnsNames: ["ingress.local"],
    },
    now,
  );
  return createSecureContext({ cert: leaf.certPem, key: leaf.keyPem });
}

const text = (data: Record<string, string> | undefined, key: string) =>
  data?.[key] ? Buffer.from(data[key], "base64").toString() : "";

export class IngressNode {
  private readonly deps: IngressNodeDeps;
  private readonly ingresses: Informer;
  private readonly classes: Informer;
  private readonly secrets: Informer;
  private current = new IngressTable();
  private rebuildQueued = false;
  private readonly fallbackContext = fakeCertificate();
  /** Secure contexts by secret key and resourceVersion; a bad secret maps to undefined. */
  private readonly contexts = new Map<string, { rv: string; ctx?: SecureContext }>();

  constructor(deps: IngressNodeDeps) {
    this.deps = deps;
    const { client, logger } = deps;
    this.ingresses = new Informer({ client, ref: refFor("networking.k8s.io", "ingresses"), logger });
    this.classes = new Informer({ client, ref: refFor("networking.k8s.io", "ingressclasses"), logger });
    this.secrets = new Informer({
      client,
      ref: refFor("", "secrets"),
      logger,
      fieldSelector: "type=kubernetes.io/tls",
    });
    const changed = () => this.queueRebuild();
    for (const inf of [this.ingresses, this.classes, deps.informers.services, deps.informers.slices])
      inf.on({ add: changed, update: changed, delete: changed });
  }

  table(): IngressTable {
    return this.current;
  }

  /** Many changes in one turn (a relist, a rollout) make one rebuild. */
  private queueRebuild(): void {
    if (this.rebuildQueued) return;
    this.rebuildQueued = true;
    setImmediate(() => {
      this.rebuildQueued = false;
      this.rebuild();
    });
  }

  rebuild(): void {
    const { services, slices } = this.deps.informers;
    this.current = IngressTable.build({
      ingresses: this.ingresses.list(),
      classes: this.classes.list(),
      service: (ns, name) => services.get(`${ns}/${name}`),
      slices: (ns, name) => slices.byIndex("service", `${ns}/${name}`),
      nodeName: this.deps.nodeName,
    });
  }

  /** The certificate for an SNI name: the Ingress TLS secret covering it, or the fake one. */
  contextFor(servername: string): SecureContext {
    const entry = this.current.tlsSecretFor(requestHost(servername));
    if (!entry) return this.fallbackContext;
    const key = `${entry.namespace}/${entry.secretName}`;
    const secret = this.secrets.get(key);
    if (!secret) return this.fallbackContext;
    const rv = secret.metadata?.resourceVersion ?? "";
    let cached = this.contexts.get(key);
    if (!cached || cached.rv !== rv) {
      const data = secret.data as Record<string, string> | undefined;
      try {
        cached = {
          rv,
          ctx: createSecureContext({ cert: text(data, "tls.crt"), key: text(data, "tls.key") }),
        };
      } catch (e) {
        this.deps.logger.warn("ingress TLS secret unusable; serving the default certificate", {
          secret: key,
          error: (e as Error).message,
        });
        cached = { rv };
      }
      this.contexts.set(key, cached);
    }
    return cached.ctx ?? this.fallbackContext;
  }

  async run(signal: AbortSignal): Promise<void> {
    for (const inf of [this.ingresses, this.classes, this.secrets]) void inf.run(signal);
    await Promise.all(
      [
        this.ingresses,
        this.classes,
        this.secrets,
        this.deps.informers.services,
        this.deps.informers.slices,
      ].map((i) => i.waitForSync()),
    );
    if (signal.aborted) return;
    this.rebuild();
    // The data plane's HTTP client is loaded only now, off the node's start-up path.
    const { IngressProxy } = await import("./ingress-proxy.ts");
    const proxy = new IngressProxy({ logger: this.deps.logger, table: () => this.current });
    const servers: Server[] = [];
    const address = this.deps.bindAddress ?? "0.0.0.0";
    if (this.deps.httpPort) {
      const s = createHttpServer({ keepAliveTimeout: 75_000 }, (req, res) => proxy.handle(req, res, "http"));
      s.on("upgrade", (req, socket, head) => proxy.upgrade(req, socket, head, "http"));
      servers.push(s);
      void this.listen(s, address, this.deps.httpPort, "http", signal);
    }
    if (this.deps.httpsPort) {
      const s = createHttpsServer(
        {
          keepAliveTimeout: 75_000,
          SNICallback: (name, cb) => cb(null, this.contextFor(name)),
          // Clients that send no server name (an IP address) get the fake certificate.
          secureContext: this.fallbackContext,
        },
        (req, res) => proxy.handle(req, res, "https"),
      );
      s.on("upgrade", (req, socket, head) => proxy.upgrade(req, socket, head, "https"));
      servers.push(s);
      void this.listen(s, address, this.deps.httpsPort, "https", signal);
    }
    await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
    proxy.close();
    await Promise.all(
      servers.map((s) => {
        s.closeAllConnections();
        return new Promise<void>((r) => s.close(() => r()));
      }),
    );
  }

  /** Listens, and while the port is taken keeps trying (it may be freed), saying so once. */
  private async listen(
    s: Server,
    address: string,
    port: number,
    scheme: string,
    signal: AbortSignal,
  ): Promise<void> {
    let warned = false;
    while (!signal.aborted) {
      try {
        await new Promise<void>((resolve, reject) => {
          s.once("error", reject);
          s.listen(port, address, () => {
            s.off("error", reject);
            resolve();
          });
        });
        this.deps.logger.info("ingress listening", { scheme, address, port });
        return;
      } catch (e) {
        if (!warned)
          this.deps.logger.error("ingress cannot listen; retrying", {
            scheme,
            address,
            port,
            error: (e as Error).message,
          });
        warned = true;
        await new Promise((r) => setTimeout(r, 5000));
      }
    }
  }
}
