import { createServer, type Server } from "node:https";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { GroupVersion, ServedResource } from "../api/resources.ts";
import { CustomResources } from "./crd/custom-resources.ts";
import { DynamicAdmission } from "./dynamic-admission.ts";
import { registerCelAuthorizer } from "./cel/authz.ts";
import { deprecationWarning } from "../api/conversion/index.ts";
import {
  internal,
  invalid,
  isStatusError,
  methodNotAllowed,
  notFound,
  StatusError,
  unauthorized,
} from "../apimachinery/status-error.ts";
import type { Store } from "../storage/types.ts";
import type { KObject } from "../apimachinery/meta.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import { authenticate, type TokenAuthenticator } from "./authn.ts";
import {
  AGGREGATED_V2,
  AGGREGATED_V2BETA1,
  aggregatedDiscovery,
  builtinGroupVersions,
  apiGroupFor,
  apiGroupList,
  apiResourceList,
  apiVersions,
  findServed,
} from "./discovery.ts";
import { readBody } from "./http/body.ts";
import { negotiateOutput, parseMediaTypes, prefersProtobuf, PROTOBUF } from "./http/negotiate.ts";
import { protobufMessageOf } from "./protobuf/encode.ts";
import { parseRequestInfo, type RequestInfo, type ResourceRequest } from "./http/request-info.ts";
import { admitCreate, admitIngressClass } from "./admission.ts";
import { admitLimits } from "./admission-limits.ts";
import { admitQuota } from "./admission-quota.ts";
import { admitPodPriority, admitPriorityClass } from "./admission-priority.ts";
import { NamespacedPolicyCache } from "./namespaced-policy-cache.ts";
import { METRICS_GROUP, MetricsApi, metricsGroupVersion } from "./metrics-api/metrics-api.ts";
import {
  admitPersistentVolumeClaimCreate,
  admitPersistentVolumeClaimUpdate,
  admitPersistentVolumeCreate,
} from "./admission-storage.ts";
import {
  handleCreate,
  handleDelete,
  handleDeleteCollection,
  handleGet,
  handleList,
  handlePatch,
  handleUpdate,
  type CrudDeps,
} from "./handlers/crud.ts";
import { writeJson, writeStatus } from "./handlers/encode.ts";
import type { RequestScope, ResponseSink } from "./handlers/scope.ts";
import { handlePodLog } from "./handlers/pod-log.ts";
import { handlePodConnect, isPodConnect } from "./handlers/pod-connect.ts";
import { handleNodeJoin, isJoinPath } from "./node-join.ts";
import type { Pki } from "./pki/index.ts";
import type { Duplex } from "node:stream";
import { rejectUpgrade } from "../util/streams/upgrade-proxy.ts";
import { KubeletConnections } from "./kubelet-connections.ts";
import { WrittenObjects } from "./watch/written-objects.ts";

/** A request as every transport hands it to the handler chain. */
export interface ApiRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  readBody(): Promise<Buffer>;
}

export type ServeSink = ResponseSink & { statusCode: number };
import { handleBinding, handleScale } from "./handlers/subresources.ts";
import { handleEviction } from "./handlers/eviction.ts";
import { handleWatch, type WatchDeps } from "./handlers/watch.ts";
import { ApiServerMetrics } from "./metrics.ts";
import { openApiV2, openApiV3DocumentJson, openApiV3Root } from "./openapi/index.ts";
import { Registry } from "./registry/registry.ts";
import type { UserInfo } from "./registry/strategy.ts";
import { WatchBroadcaster } from "./watch/broadcaster.ts";
import { NamespaceCache } from "./namespace-cache.ts";
import { MeasuredStore } from "../storage/measured-store.ts";
import { apiVersionOf, resources } from "../api/resources.ts";
import { ServiceAllocator } from "./allocators/index.ts";
import { fieldManagerOf } from "./http/field-manager.ts";
import { checkQueryParams } from "./http/query-params.ts";
import { type HealthState, serveHealth } from "./health.ts";
import { handleSelfSubjectReview } from "./handlers/self-subject-review.ts";
import { RbacCache } from "./auth/rbac-cache.ts";
import { Authorizer } from "./auth/authorizer.ts";
import { NodeAuthorizer, nodeIdentity } from "./auth/node-authorizer.ts";
import { NodeGraph } from "./auth/node-graph.ts";
import { NodeRestriction } from "./auth/node-restriction.ts";
import { attributesOf, forbiddenError } from "./auth/attributes.ts";
import { handleAccessReview } from "./handlers/access-review.ts";
import { impersonate } from "./auth/impersonation.ts";
import { guardEscalation } from "./auth/escalation.ts";
import type { LegacyClaims, ServiceAccountTokens, TokenClaims } from "./auth/service-account-tokens.ts";
import { handleTokenRequest } from "./handlers/token-request.ts";
import { parseBody, requestContentType } from "./handlers/decode.ts";
import { ServiceAccountCache, admitPodServiceAccount } from "./service-account-admission.ts";
import { addDefaultTolerations, type DefaultTolerationSeconds } from "../api/defaults/index.ts";

export const KUBERNETES_VERSION = { major: "1", minor: "32", gitVersion: "v1.32.0-skiff" };

export interface ApiServerConfig {
  bindAddress: string;
  /** More addresses to listen on, on the same port (the advertised one, for pods, when bound to loopback). */
  extraBindAddresses?: string[];
  port: number;
  /** --metric-resolution: how often the built-in metrics API scrapes kubelets. */
  metricResolutionMs?: number;
  /** host:port clients should use, for legacy discovery. */
  advertiseAddress: string;
  tls: { cert: string; key: string; ca: string };
  bookmarkIntervalMs?: number;
  serviceCidr?: string;
  nodePortRange?: [number, number];
  /** --default-not-ready-toleration-seconds and --default-unreachable-toleration-seconds. */
  defaultTolerationSeconds?: DefaultTolerationSeconds;
}

export interface ApiServerDeps {
  store: Store;
  tokens: TokenAuthenticator;
  /** Agents join with this token (DATA-DIR/token) and get their node certificates from the PKI. */
  join?: { pki: Pki; token: string };
  clock: Clock;
  logger: Logger;
  config: ApiServerConfig;
  /** Signs TokenRequests and checks service-account tokens; without it, neither is served. */
  serviceAccountTokens?: ServiceAccountTokens;
}

const ingressClasses = resources.find(
  (r) => r.group === "networking.k8s.io" && r.resource === "ingressclasses",
)!;
const storageClasses = resources.find(
  (r) => r.group === "storage.k8s.io" && r.resource === "storageclasses",
)!;
const isServices = (scope: RequestScope) => scope.info.group === "" && scope.info.resource === "services";

const publicPaths = new Set(["/healthz", "/livez", "/readyz", "/version"]);

/** Paths upstream serves with a trailing slash too (the Python client asks for these). */
const canonicalPath = (p: string) =>
  p === "/version/" || p === "/api/" || p === "/apis/" ? p.slice(0, -1) : p;

function isPublic(path: string): boolean {
  if (publicPaths.has(path)) return true;
  return /^\/(healthz|livez|readyz)\//.test(path);
}

/** kube-apiserver: HTTPS, authentication, discovery, OpenAPI and the REST API over the registry. */
export class ApiServer {
  readonly registry: Registry;
  readonly broadcaster: WatchBroadcaster;
  readonly metrics: ApiServerMetrics;
  /** Node agents in this process, for pods/log. */
  readonly kubelets = new KubeletConnections();
  private readonly deps: ApiServerDeps;
  private readonly servers: Server[] = [];
  readonly customResources: CustomResources;
  private readonly admission: DynamicAdmission;
  private readonly quotaCache: NamespacedPolicyCache;
  private readonly metricsApi: MetricsApi;
  private readonly priorityClassCache: NamespacedPolicyCache;
  private readonly limitRangeCache: NamespacedPolicyCache;
  private readonly crud: CrudDeps;
  private readonly watch: WatchDeps;
  private ready = false;
  private readonly rbac: RbacCache;
  private readonly serviceAccounts: ServiceAccountCache;
  private readonly authorizer: Authorizer;
  private readonly nodeGraph: NodeGraph;
  private readonly nodeRestriction: NodeRestriction;
  private stopping = false;
  private readonly health: HealthState = {
    ready: () => this.ready,
    stopping: () => this.stopping,
    storagePing: () => this.deps.store.currentRevision(),
  };
  private readonly namespaces: NamespaceCache;
  readonly allocator: ServiceAllocator;
  private readonly tolerationSeconds: DefaultTolerationSeconds;

  constructor(deps: ApiServerDeps) {
    this.deps = deps;
    // Every storage call is timed for /metrics; the wrapper is the only store the server uses.
    const store = new MeasuredStore(deps.store, (operation, type, seconds) =>
      this.metrics.storageLatency.observe({ operation, type }, seconds),
    );
    const written = new WrittenObjects();
    this.registry = new Registry(store, written);
    this.broadcaster = new WatchBroadcaster({ store, logger: deps.logger, written });
    this.metrics = new ApiServerMetrics({
      storageRevision: () => this.broadcaster.revision,
      watchers: () => this.broadcaster.watcherCount(),
      cacheEvents: () => this.broadcaster.eventsTotal,
    });
    this.namespaces = new NamespaceCache(this.registry.namespaces);
    this.rbac = new RbacCache(store, deps.logger);
    this.serviceAccounts = new ServiceAccountCache(this.registry.get("", "serviceaccounts")!);
    this.nodeGraph = new NodeGraph(store, deps.logger);
    this.admission = new DynamicAdmission({
      registry: this.registry,
      logger: deps.logger,
      namespaces: this.namespaces,
      authorizerHandle: registerCelAuthorizer((q) => this.authorizer.authorize(q)),
    });
    this.metricsApi = new MetricsApi({
      kubelets: this.kubelets,
      nodes: this.registry.get("", "nodes")!,
      pods: this.registry.get("", "pods")!,
      clock: deps.clock,
      logger: deps.logger,
      resolutionMs: deps.config.metricResolutionMs,
    });
    this.priorityClassCache = new NamespacedPolicyCache({
      registry: this.registry,
      logger: deps.logger,
      resource: "priorityclasses",
    });
    this.quotaCache = new NamespacedPolicyCache({
      registry: this.registry,
      logger: deps.logger,
      resource: "resourcequotas",
    });
    this.limitRangeCache = new NamespacedPolicyCache({
      registry: this.registry,
      logger: deps.logger,
      resource: "limitranges",
    });
    this.customResources = new CustomResources({
      registry: this.registry,
      clock: deps.clock,
      logger: deps.logger,
    });
    this.authorizer = new Authorizer(this.rbac, new NodeAuthorizer(this.nodeGraph));
    this.nodeRestriction = new NodeRestriction(this.nodeGraph, this.registry.get("", "pods")!);
    this.tolerationSeconds = deps.config.defaultTolerationSeconds ?? { notReady: 300, unreachable: 300 };
    this.allocator = new ServiceAllocator({
      serviceCidr: deps.config.serviceCidr ?? "10.43.0.0/16",
      nodePortRange: deps.config.nodePortRange ?? [30000, 32767],
      clock: deps.clock,
    });
    this.crud = {
      registry: this.registry,
      admitCreate: async (scope, obj) => {
        await admitCreate(this.namespaces, scope, obj);
        const ns = scope.req.namespace;
        if (scope.info.group === "" && !scope.req.subresource && this.limitRangeCache.has(ns))
          await admitLimits(this.registry.get("", "limitranges")!, scope.info.resource, ns, obj);
        await this.admission.mutate(scope, "CREATE", obj, undefined);
        if (isServices(scope)) await this.allocate(scope, obj, undefined);
        if (scope.info.group === "networking.k8s.io" && scope.info.resource === "ingresses")
          await admitIngressClass(this.registry.for(ingressClasses), obj);
        if (scope.info.group === "" && scope.info.resource === "persistentvolumeclaims")
          await admitPersistentVolumeClaimCreate(this.registry.for(storageClasses), obj);
        if (scope.info.group === "" && scope.info.resource === "persistentvolumes")
          admitPersistentVolumeCreate(obj);
        if (scope.info.group === "" && scope.info.resource === "pods") {
          addDefaultTolerations((obj.spec ??= {}) as Record<string, unknown>, this.tolerationSeconds);
          await admitPodServiceAccount(this.serviceAccounts, scope.req.namespace, obj);
          await admitPodPriority(
            this.registry.get("scheduling.k8s.io", "priorityclasses")!,
            this.priorityClassCache.objects(""),
            obj,
          );
        }
        if (scope.info.group === "scheduling.k8s.io" && scope.info.resource === "priorityclasses")
          await admitPriorityClass(
            this.registry.get("scheduling.k8s.io", "priorityclasses")!,
            this.priorityClassCache.objects(""),
            obj,
          );
        if (scope.info.namespaced && !scope.req.subresource && this.quotaCache.has(ns))
          await admitQuota(
            this.registry.get("", "resourcequotas")!,
            scope.info.group,
            scope.info.resource,
            ns,
            obj,
            scope.ctx,
          );
      },
      admitUpdate: async (scope, obj, old) => {
        await this.admission.mutate(scope, "UPDATE", obj, old);
        if (scope.req.subresource) return;
        if (isServices(scope)) await this.allocate(scope, obj, old);
        if (
          scope.info.group === "" &&
          scope.info.resource === "persistentvolumeclaims" &&
          !scope.req.subresource
        )
          await admitPersistentVolumeClaimUpdate(this.registry.for(storageClasses), obj, old);
      },
      admitDelete: async (scope, load) => {
        if (!this.admission.active) return;
        const old = await load();
        if (!old) return;
        await this.admission.mutate(scope, "DELETE", undefined, old);
        await this.admission.validate(scope, "DELETE", undefined, old);
      },
      admitScale: async (scope, scale, old) => {
        const kind = { group: "autoscaling", version: "v1", kind: "Scale" };
        await this.admission.mutate(scope, "UPDATE", scale, old, { objectKind: kind });
        await this.admission.validate(scope, "UPDATE", scale, old, { objectKind: kind });
      },
      released: (scope, obj) => {
        if (isServices(scope)) this.allocator.release(obj);
      },
    };
    this.watch = {
      registry: this.registry,
      broadcaster: this.broadcaster,
      bookmarkIntervalMs: deps.config.bookmarkIntervalMs ?? 60_000,
      onWatchStart: () => this.metrics.longRunning.add({ verb: "WATCH" }, 1),
      onWatchEnd: () => this.metrics.longRunning.add({ verb: "WATCH" }, -1),
      onEventsSent: (n) => n && this.metrics.watchEvents.inc({}, n),
    };
  }

  /** Starts serving; resolves with the bound port once the server accepts requests. */
  async start(signal: AbortSignal): Promise<number> {
    await this.broadcaster.start(signal);
    await this.namespaces.follow(this.broadcaster, signal);
    await this.rbac.follow(this.broadcaster, signal);
    await this.nodeGraph.follow(this.broadcaster, signal);
    await this.customResources.follow(this.broadcaster, signal);
    await this.admission.follow(this.broadcaster, signal);
    await this.quotaCache.follow(this.broadcaster, signal);
    await this.priorityClassCache.follow(this.broadcaster, signal);
    await this.limitRangeCache.follow(this.broadcaster, signal);
    await this.serviceAccounts.follow(this.broadcaster, signal);
    void this.metricsApi.run(signal);
    const { tls, bindAddress, port, extraBindAddresses = [] } = this.deps.config;
    const listen = async (address: string, onPort: number) => {
      const server = createServer(
        { cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: false },
        (req, res) => void this.handle(req, res),
      );
      server.on(
        "upgrade",
        (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.handleUpgrade(req, socket, head),
      );
      server.keepAliveTimeout = 65_000;
      server.headersTimeout = 66_000;
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(onPort, address, () => {
          server.off("error", reject);
          resolve();
        });
      });
      signal.addEventListener("abort", () => {
        this.stopping = true;
        server.close();
        server.closeAllConnections();
      });
      this.servers.push(server);
      return server;
    };
    const bound = ((await listen(bindAddress, port)).address() as AddressInfo).port;
    for (const address of extraBindAddresses) await listen(address, bound);
    this.ready = true;
    return bound;
  }

  /** Built-in and custom group-versions, as discovery lists them and requests are routed by. */
  private groupVersions(): GroupVersion[] {
    const custom = this.customResources.groupVersions();
    if (this.gvMemo?.custom !== custom)
      this.gvMemo = { custom, all: [...builtinGroupVersions(), metricsGroupVersion, ...custom] };
    return this.gvMemo.all;
  }

  private gvMemo?: { custom: GroupVersion[]; all: GroupVersion[] };

  /** A rotated serving certificate: new connections get it, on every address, without a restart. */
  setServingCertificate(tls: { cert: string; key: string; ca: string }): void {
    for (const server of this.servers) server.setSecureContext({ cert: tls.cert, key: tls.key, ca: tls.ca });
  }

  /** Lets the API server call real nodes' kubelets with this client certificate (logs, exec, port-forward). */
  configureKubeletClient(tls: { cert: string; key: string; ca: string }): void {
    this.kubelets.configureRemote({
      tls,
      address: async (nodeName) => {
        let node: KObject;
        try {
          node = await this.registry.get("", "nodes")!.get("", nodeName);
        } catch {
          throw new StatusError(404, "NotFound", `nodes "${nodeName}" not found`);
        }
        const status = (node.status ?? {}) as {
          addresses?: Array<{ type: string; address: string }>;
          daemonEndpoints?: { kubeletEndpoint?: { Port?: number } };
        };
        const addrs = status.addresses ?? [];
        const host = (
          addrs.find((a) => a.type === "InternalIP") ??
          addrs.find((a) => a.type === "ExternalIP") ??
          addrs[0]
        )?.address;
        if (!host)
          throw new StatusError(
            500,
            "InternalError",
            `node "${nodeName}" has no address to reach its kubelet at`,
          );
        return { host, port: status.daemonEndpoints?.kubeletEndpoint?.Port || 10250 };
      },
    });
  }

  /** Cluster IPs and node ports for a service, before validation, as upstream's service REST does. */
  private async allocate(scope: RequestScope, svc: KObject, old: KObject | undefined): Promise<void> {
    const services = this.registry.get("", "services")!;
    const errs = await this.allocator.allocate(svc, old, async () => (await services.list("")).items, {
      dryRun: scope.ctx.dryRun,
    });
    if (errs.length) throw invalid("", "Service", svc.metadata?.name ?? "", errs);
  }

  /** apiserver_storage_objects, counted when metrics are scraped. */
  private async countStoredObjects(): Promise<void> {
    const seen = new Set<string>();
    for (const info of resources) {
      if (seen.has(info.storagePrefix) || !info.verbs.includes("list")) continue;
      seen.add(info.storagePrefix);
      const n = await this.registry.storage.count(`/registry/${info.storagePrefix}/`);
      this.metrics.storageObjects.set(
        { resource: info.group ? `${info.resource}.${info.group}` : info.resource },
        n,
      );
    }
  }

  /** Upgrade requests: exec, attach and port-forward streams to a pod's kubelet. */
  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on("error", () => socket.destroy());
    const path = (req.url ?? "/").split("?")[0];
    const user = authenticate(req, this.deps.tokens);
    if (!user) return rejectUpgrade(socket, 401, unauthorized().toStatus());
    try {
      const url = new URL(req.url ?? "/", "https://local");
      this.authorize(
        req.method ?? "GET",
        path,
        parseRequestInfo(req.method ?? "GET", path, url.searchParams),
        user,
      );
    } catch (e) {
      if (e instanceof StatusError) return rejectUpgrade(socket, e.code, e.toStatus());
      throw e;
    }
    if (!isPodConnect(path))
      return rejectUpgrade(
        socket,
        400,
        new StatusError(400, "BadRequest", "this resource cannot be upgraded").toStatus(),
      );
    const started = performance.now();
    const admitConnect = (namespace: string, name: string, subresource: string, options: KObject) =>
      this.admission.connect(user, namespace, name, subresource, options);
    await handlePodConnect(
      { registry: this.registry, kubelets: this.kubelets, admitConnect },
      req,
      socket,
      head,
    );
    this.deps.logger.debug("stream opened", {
      path,
      user: user.name,
      ms: Math.round(performance.now() - started),
    });
  }

  /**
   * Certificates and static tokens, then service-account JWTs: signed by this cluster, for its
   * audience, unexpired, and for a service account (and bound object) that still exists.
   */
  private async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    const user = authenticate(req, this.deps.tokens);
    const tokens = this.deps.serviceAccountTokens;
    const auth = req.headers.authorization;
    if (user || !tokens || !auth || !/^bearer /i.test(auth)) return user;
    const token = auth.slice(7).trim();
    const legacy = tokens.verifyLegacy(token);
    if (legacy) return this.legacyServiceAccountUser(legacy, token);
    const checked = tokens.verify(token, tokens.apiAudiences, this.deps.clock.now());
    if ("error" in checked) return undefined;
    return (await this.serviceAccountUser(checked.claims)) ?? undefined;
  }

  /** A Secret's token: valid while the Secret holds it and its account exists with the same uid. */
  private async legacyServiceAccountUser(claims: LegacyClaims, token: string): Promise<UserInfo | undefined> {
    const ns = claims["kubernetes.io/serviceaccount/namespace"];
    const secret = await this.registry
      .get("", "secrets")!
      .tryGet(ns, claims["kubernetes.io/serviceaccount/secret.name"]);
    const held = (secret as { data?: Record<string, string> } | undefined)?.data?.token;
    if (!held || Buffer.from(held, "base64").toString() !== token) return undefined;
    const sa = await this.registry
      .get("", "serviceaccounts")!
      .tryGet(ns, claims["kubernetes.io/serviceaccount/service-account.name"]);
    if (!sa || sa.metadata?.uid !== claims["kubernetes.io/serviceaccount/service-account.uid"])
      return undefined;
    return {
      name: claims.sub,
      groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`, "system:authenticated"],
    };
  }

  /** The user a token's claims stand for, while its service account and bound object exist. */
  async serviceAccountUser(claims: TokenClaims): Promise<UserInfo | undefined> {
    const k = claims["kubernetes.io"];
    const sa = await this.registry.get("", "serviceaccounts")!.tryGet(k.namespace, k.serviceaccount.name);
    if (!sa || sa.metadata?.uid !== k.serviceaccount.uid) return undefined;
    for (const [resource, ref] of [
      ["pods", k.pod],
      ["secrets", k.secret],
    ] as const) {
      if (!ref) continue;
      const obj = await this.registry.get("", resource)!.tryGet(k.namespace, ref.name);
      if (!obj || obj.metadata?.uid !== ref.uid) return undefined;
    }
    return {
      name: claims.sub,
      groups: ["system:serviceaccounts", `system:serviceaccounts:${k.namespace}`, "system:authenticated"],
    };
  }

  /** TokenReview: whom spec.token authenticates as, for spec.audiences (the API server's by default). */
  private async reviewToken(scope: RequestScope, res: ResponseSink): Promise<void> {
    const body = (scope.body?.length ? parseBody(requestContentType(scope), scope.body, undefined) : {}) as {
      spec?: { token?: string; audiences?: string[] };
    };
    const spec = body.spec ?? {};
    const token = spec.token ?? "";
    const tokens = this.deps.serviceAccountTokens;
    const audiences = spec.audiences?.length ? spec.audiences : (tokens?.apiAudiences ?? []);
    let user: UserInfo | undefined;
    const fixed = this.deps.tokens.lookup(token);
    const legacy = tokens?.verifyLegacy(token);
    if (fixed) user = { ...fixed, groups: [...fixed.groups, "system:authenticated"] };
    else if (legacy) user = await this.legacyServiceAccountUser(legacy, token);
    else if (tokens) {
      const checked = tokens.verify(token, audiences, this.deps.clock.now());
      if (!("error" in checked)) {
        user = await this.serviceAccountUser(checked.claims);
        if (user && spec.audiences?.length)
          spec.audiences = spec.audiences.filter((a) => checked.claims.aud.includes(a));
      }
    }
    const status: Record<string, unknown> = user
      ? { authenticated: true, user: { username: user.name, groups: user.groups }, audiences }
      : { user: {}, error: "[invalid bearer token, token lookup failed]" };
    writeJson(res, 201, {
      kind: "TokenReview",
      apiVersion: "authentication.k8s.io/v1",
      metadata: { creationTimestamp: null },
      spec,
      status,
    });
  }

  /** Throws upstream's 403 unless the user may make this request. */
  private authorize(method: string, path: string, info: RequestInfo, user: UserInfo): void {
    const attrs = attributesOf(method, path, info, user);
    const decision = this.authorizer.authorize(attrs);
    if (!decision.allowed) {
      // A control-plane component refused is a missing bootstrap rule, not a user's mistake.
      if (/^system:(kube-|serviceaccount:kube-system:|skiff:)/.test(user.name))
        this.deps.logger.warn("control-plane request forbidden", {
          user: user.name,
          verb: attrs.verb,
          resource: attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource,
          path,
        });
      throw forbiddenError(attrs, decision.reason);
    }
  }

  /** The HTTPS entry point: authenticates the connection, then serves like any other transport. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = canonicalPath((req.url ?? "/").split("?")[0]!);
    if (isPublic(path)) return this.servePublic(path, req.url ?? "/", res);
    if (this.deps.join && isJoinPath(path))
      return handleNodeJoin(this.deps.join.pki, this.deps.join.token, req, res);
    const apiReq: ApiRequest = {
      method: req.method ?? "GET",
      url: req.url ?? "/",
      headers: req.headers,
      readBody: () => readBody(req),
    };
    return this.serve(apiReq, await this.authenticate(req), res);
  }

  /**
   * The full handler chain after authentication: authorization (everyone authenticated may act for
   * now), routing, admission, registry. The in-process transport enters here too.
   */
  async serve(req: ApiRequest, user: UserInfo | undefined, res: ServeSink): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url, "https://local");
    const path = canonicalPath(url.pathname);
    let labels: Record<string, string> = {
      verb: req.method,
      group: "",
      version: "",
      resource: "",
      subresource: "",
      scope: "",
    };
    try {
      if (isPublic(path)) return await this.servePublic(path, req.url, res);
      if (!user) throw unauthorized();
      const actor = user;
      user = impersonate(this.authorizer, user, req.headers);
      if (user !== actor)
        this.deps.logger.info("impersonating", {
          user: actor.name,
          as: user.name,
          groups: user.groups,
          path,
        });
      const info = parseRequestInfo(req.method, path, url.searchParams);
      this.authorize(req.method, path, info, user);
      if (!info.isResource) return await this.serveNonResource(req, path, res);
      labels = {
        verb: info.verb.toUpperCase(),
        group: info.group,
        version: info.version,
        resource: info.resource,
        subresource: info.subresource,
        scope: info.name ? "resource" : info.namespace ? "namespace" : "cluster",
      };
      const body = req.method === "GET" || req.method === "HEAD" ? undefined : await req.readBody();
      await this.serveResource(req, info, url.searchParams, body, user, res);
    } catch (e) {
      this.fail(res, e, req);
    } finally {
      if (labels.verb !== "WATCH") {
        this.metrics.requests.inc({ ...labels, code: String(res.statusCode), component: "apiserver" });
        this.metrics.latency.observe(
          { ...labels, component: "apiserver" },
          (performance.now() - started) / 1000,
        );
      }
    }
  }

  private fail(res: ServeSink, e: unknown, req: ApiRequest): void {
    // A refused Accept is answered in JSON, as upstream's negotiation falls back to it.
    const protobuf = prefersProtobuf(req.headers.accept) && !(isStatusError(e) && e.code === 406);
    if (isStatusError(e)) {
      writeStatus(res, e, undefined, protobuf);
      return;
    }
    this.deps.logger.error("request failed", {
      method: req.method,
      url: req.url,
      error: (e as Error)?.stack ?? String(e),
    });
    writeStatus(res, internal((e as Error)?.message ?? String(e)), undefined, protobuf);
  }

  private async servePublic(path: string, url: string, res: ServeSink): Promise<void> {
    if (path === "/version") {
      writeJson(res, 200, {
        ...KUBERNETES_VERSION,
        gitCommit: "0000000000000000000000000000000000000000",
        gitTreeState: "clean",
        buildDate: "2026-01-01T00:00:00Z",
        goVersion: `node${process.versions.node}`,
        compiler: "gc",
        platform: `${process.platform}/${process.arch === "x64" ? "amd64" : process.arch}`,
      });
      return;
    }
    const query = new URL(url, "https://local").searchParams;
    if (await serveHealth(path, query, this.health, res)) return;
    res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" });
    res.end("404 page not found\n");
  }

  private async serveNonResource(req: ApiRequest, path: string, res: ServeSink): Promise<void> {
    const accept = parseMediaTypes(req.headers.accept);
    const wantAggregated = accept.find(
      (t) => t.params["as"] === "APIGroupDiscoveryList" && t.params["g"] === "apidiscovery.k8s.io",
    );
    const send = (body: unknown, contentType = "application/json") => {
      const text = JSON.stringify(body);
      res.writeHead(200, {
        "Content-Type": contentType,
        "Content-Length": Buffer.byteLength(text),
        "Cache-Control": "no-cache, private",
      });
      res.end(text);
    };
    if (req.method !== "GET" && req.method !== "HEAD")
      throw new StatusError(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
      );
    if (path === "/api" || path === "/apis") {
      if (wantAggregated) {
        const v = wantAggregated.params["v"] === "v2beta1" ? "v2beta1" : "v2";
        return send(
          aggregatedDiscovery(path === "/api", v, this.groupVersions()),
          v === "v2" ? AGGREGATED_V2 : AGGREGATED_V2BETA1,
        );
      }
      return send(
        path === "/api" ? apiVersions(this.deps.config.advertiseAddress) : apiGroupList(this.groupVersions()),
      );
    }
    let m = /^\/api\/(v1)\/?$/.exec(path);
    if (m) return send(apiResourceList("", m[1], this.groupVersions()));
    m = /^\/apis\/([^/]+)\/?$/.exec(path);
    if (m) {
      const g = apiGroupFor(m[1], this.groupVersions());
      if (g) return send(g);
    }
    m = /^\/apis\/([^/]+)\/([^/]+)\/?$/.exec(path);
    if (m) {
      const l = apiResourceList(m[1], m[2], this.groupVersions());
      if (l) return send(l);
    }
    if (path === "/openapi/v2") {
      const v2 = openApiV2(this.customResources.openApi());
      // kubectl and client-go ask for gnostic's protobuf; anything else gets the JSON.
      const pb = (req.headers.accept ?? "").includes("application/com.github.proto-openapi.spec.v2");
      const body: Buffer | string = pb ? v2.proto : v2.json;
      // client-go keeps the document and asks again with its ETag.
      if (req.headers["if-none-match"] === `"${v2.hash}"`) {
        res.writeHead(304, { Etag: `"${v2.hash}"`, Vary: "Accept" });
        res.end();
        return;
      }
      res.writeHead(200, {
        "Content-Type": pb
          ? "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
          : "application/json",
        "Content-Length": Buffer.byteLength(body),
        Etag: `"${v2.hash}"`,
        Vary: "Accept",
      });
      res.end(body);
      return;
    }
    const customApi = this.customResources.openApi();
    if (path === "/openapi/v3") {
      const root = openApiV3Root();
      return send(customApi ? { paths: { ...root.paths, ...customApi.root().paths } } : root);
    }
    m = /^\/openapi\/v3\/(.+)$/.exec(path);
    if (m) {
      const doc = customApi?.document(m[1]) ?? openApiV3DocumentJson(m[1]);
      if (doc) {
        res.writeHead(200, {
          "Content-Type": "application/json",
          "Content-Length": Buffer.byteLength(doc.json),
          Etag: `"${doc.hash}"`,
          "Cache-Control": "public, immutable",
        });
        res.end(doc.json);
        return;
      }
    }
    if (path === "/metrics") {
      await this.countStoredObjects();
      const text = this.metrics.registry.render();
      res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(text);
      return;
    }
    throw new StatusError(404, "NotFound", "the server could not find the requested resource", {});
  }

  private async serveResource(
    req: ApiRequest,
    info: ResourceRequest,
    query: URLSearchParams,
    body: Buffer | undefined,
    user: UserInfo,
    res: ResponseSink,
  ): Promise<void> {
    const served = findServed(info.group, info.version, info.resource, this.groupVersions());
    if (!served)
      throw new StatusError(404, "NotFound", "the server could not find the requested resource", {});
    if (!served.info.namespaced && info.namespace)
      throw new StatusError(404, "NotFound", "the server could not find the requested resource", {});
    const warnings: string[] = [];
    if (served.deprecatedUse) {
      const w = deprecationWarning(served.group, served.version, served.info.kind);
      if (w) warnings.push(w);
    }
    checkQueryParams(info.verb, info.subresource, query);
    const node = nodeIdentity(user);
    const dryRun = query.getAll("dryRun");
    if (dryRun.some((d) => d !== "All"))
      throw new StatusError(
        400,
        "BadRequest",
        `Unsupported value: ${JSON.stringify(dryRun[0])}: supported values: "All"`,
      );
    const scope: RequestScope = {
      info: served.info,
      served,
      req: info,
      query,
      output: negotiateOutput(
        req.headers.accept,
        req.headers.accept?.includes(PROTOBUF) === true &&
          protobufMessageOf(apiVersionOf(served.group, served.version), served.info.kind) !== undefined,
      ),
      ctx: {
        user,
        now: this.deps.clock.now(),
        warnings,
        dryRun: dryRun.length > 0,
        version: served.version,
        fieldManager: fieldManagerOf(info.verb, query, req.headers["user-agent"]),
        admitObject:
          served.info.group === "rbac.authorization.k8s.io"
            ? (obj) => guardEscalation(this.authorizer, this.rbac, user, served.info.resource, obj)
            : node !== undefined && served.info.group === "" && served.info.resource === "nodes"
              ? (obj, old) => old && this.nodeRestriction.admitNodeUpdate(node, obj, old)
              : undefined,
      },
      headers: req.headers,
      body,
    };
    if (this.admission.active && (!info.subresource || info.subresource === "status"))
      scope.ctx.validateAdmission = (obj, old) =>
        this.admission.validate(scope, old ? "UPDATE" : "CREATE", obj, old);
    if (node !== undefined) await this.nodeRestriction.admit(node, info, decodedBody(scope));
    await this.dispatch(scope, served, res);
  }

  private async dispatch(scope: RequestScope, served: ServedResource, res: ResponseSink): Promise<void> {
    const { verb, subresource, name } = scope.req;
    const info = served.info;
    const qr = { group: info.group, resource: info.resource };
    if (!info.verbs.includes(verb as never) && !subresource && verb !== "connect") {
      throw methodNotAllowed(verb, qr);
    }
    if (info.group === METRICS_GROUP) {
      if (verb !== "get" && verb !== "list") throw methodNotAllowed(verb, qr);
      return writeJson(
        res,
        200,
        await this.metricsApi.serve(info.resource, scope.req.namespace, name, scope.query),
        scope,
      );
    }
    if (info.group === "authorization.k8s.io") {
      if (verb !== "create" || name) throw methodNotAllowed(verb, qr);
      return handleAccessReview(this.authorizer, scope, res);
    }
    if (info.group === "authentication.k8s.io" && info.resource === "tokenreviews") {
      if (verb !== "create" || name) throw methodNotAllowed(verb, qr);
      return this.reviewToken(scope, res);
    }
    if (info.group === "authentication.k8s.io" && info.resource === "selfsubjectreviews") {
      if (verb !== "create" || name) throw methodNotAllowed(verb, qr);
      return handleSelfSubjectReview(scope, res);
    }
    if (info.resource === "bindings" && verb === "create") {
      const b = JSON.parse((scope.body ?? Buffer.from("{}")).toString()) as { metadata?: { name?: string } };
      return handleBinding(
        this.crud,
        { ...scope, info: this.registry.get("", "pods")!.info },
        res,
        b.metadata?.name ?? "",
      );
    }
    if (subresource) {
      if (!info.subresources.includes(subresource as never)) throw notFound(qr, `${name}/${subresource}`);
      switch (subresource) {
        case "status":
        case "finalize":
          if (verb === "get") return handleGet(this.crud, scope, res);
          if (verb === "update") return handleUpdate(this.crud, scope, res);
          if (verb === "patch" && subresource === "status") return handlePatch(this.crud, scope, res);
          throw methodNotAllowed(verb, qr);
        case "scale":
          return handleScale(this.crud, scope, res);
        case "binding":
          if (verb !== "create") throw methodNotAllowed(verb, qr);
          return handleBinding(this.crud, scope, res, name);
        case "token": {
          const tokens = this.deps.serviceAccountTokens;
          if (verb !== "create" || !tokens) throw methodNotAllowed(verb, qr);
          return handleTokenRequest(this.registry, tokens, scope, res);
        }
        case "eviction":
          if (verb !== "create") throw methodNotAllowed(verb, qr);
          return handleEviction(this.crud, scope, res);
        case "log":
          if (verb !== "get") throw methodNotAllowed(verb, qr);
          return handlePodLog({ registry: this.registry, kubelets: this.kubelets }, scope, res);
        case "exec":
        case "attach":
        case "portforward":
          // Streams only work as upgraded connections (handleUpgrade); plain requests are refused so.
          throw new StatusError(400, "BadRequest", "Upgrade request required");
        default:
          throw notFound(qr, `${name}/${subresource}`);
      }
    }
    switch (verb) {
      case "get":
        return handleGet(this.crud, scope, res);
      case "list":
        return handleList(this.crud, scope, res);
      case "watch":
        return handleWatch(this.watch, scope, res);
      case "create":
        if (name) throw methodNotAllowed(verb, qr);
        return handleCreate(this.crud, scope, res);
      case "update":
        return handleUpdate(this.crud, scope, res);
      case "patch":
        return handlePatch(this.crud, scope, res);
      case "delete":
        return handleDelete(this.crud, scope, res);
      case "deletecollection":
        return handleDeleteCollection(this.crud, scope, res);
      default:
        throw methodNotAllowed(verb, qr);
    }
  }
}

/** The request body as NodeRestriction reads it (JSON, YAML or protobuf); the handler refuses bad ones. */
function decodedBody(scope: RequestScope): Record<string, any> | undefined {
  if (!scope.body?.length) return undefined;
  try {
    const v: unknown = parseBody(requestContentType(scope), scope.body, undefined);
    return v && typeof v === "object" ? (v as Record<string, any>) : undefined;
  } catch {
    return undefined;
  }
}
