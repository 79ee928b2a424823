import type { KObject } from "../../apimachinery/meta.ts";
import { invalid as invalidField, type FieldError } from "../../apimachinery/field-error.ts";
import { badRequest, invalid, StatusError, type StatusReason } from "../../apimachinery/status-error.ts";
import type { Registry } from "../registry/registry.ts";
import type { KubeletConnections, LogLine } from "../kubelet-connections.ts";
import type { RequestScope, ResponseSink } from "./scope.ts";
import { queryFlag } from "../../util/go-bool.ts";

export interface PodLogDeps {
  registry: Registry;
  kubelets: KubeletConnections;
  /** How often a follow looks for new lines. */
  followPollMs?: number;
}

interface LogOptions {
  container: string;
  previous: boolean;
  follow: boolean;
  timestamps: boolean;
  tailLines?: number;
  limitBytes?: number;
  sinceSeconds?: number;
}

function intParam(q: URLSearchParams, name: string, min: number, errs: FieldError[]): number | undefined {
  const raw = q.get(name);
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw badRequest(`${name}: Invalid value: "${raw}": must be an integer`);
  if (n < min)
    errs.push(
      invalidField(name, n, min === 0 ? "must be greater than or equal to 0" : "must be greater than 0"),
    );
  return n;
}

/** The container a log request means (pkg/registry/core/pod/strategy.go LogLocation). */
function containerFor(pod: KObject, requested: string): string {
  const spec = (pod.spec ?? {}) as {
    containers?: Array<{ name: string }>;
    initContainers?: Array<{ name: string }>;
  };
  const names = (spec.containers ?? []).map((c) => c.name);
  const inits = (spec.initContainers ?? []).map((c) => c.name);
  const podName = pod.metadata?.name ?? "";
  if (!requested) {
    if (names.length === 1) return names[0]!;
    let msg = `a container name must be specified for pod ${podName}, choose one of: [${names.join(" ")}]`;
    if (inits.length) msg += ` or one of the init containers: [${inits.join(" ")}]`;
    throw badRequest(msg);
  }
  if (!names.includes(requested) && !inits.includes(requested))
    throw badRequest(`container ${requested} is not valid for pod ${podName}`);
  return requested;
}

function render(lines: LogLine[], opts: LogOptions): string {
  return lines.map((l) => (opts.timestamps ? `${l.time} ${l.text}\n` : `${l.text}\n`)).join("");
}

/** GET pods/NAME/log: the container's log from its node's agent, as text (kubectl logs). */
export async function handlePodLog(deps: PodLogDeps, scope: RequestScope, res: ResponseSink): Promise<void> {
  const q = scope.query;
  const errs: FieldError[] = [];
  const opts: LogOptions = {
    container: q.get("container") ?? "",
    previous: queryFlag(q, "previous"),
    follow: queryFlag(q, "follow"),
    timestamps: queryFlag(q, "timestamps"),
    tailLines: intParam(q, "tailLines", 0, errs),
    limitBytes: intParam(q, "limitBytes", 1, errs),
    sinceSeconds: intParam(q, "sinceSeconds", 1, errs),
  };
  if (errs.length) throw invalid("", "PodLogOptions", "", errs);
  const { namespace, name } = scope.req;
  const pod = await deps.registry.for(scope.info).get(namespace, name);
  const container = containerFor(pod, opts.container);
  const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  if (!deps.kubelets.local(nodeName))
    return proxyLog(
      deps,
      nodeName,
      `/containerLogs/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}`,
      q,
      res,
    );
  const agent = deps.kubelets.for(nodeName);
  const req = { namespace, pod: name, uid: pod.metadata?.uid ?? "", container, previous: opts.previous };
  const first = agent.containerLogs(nodeName, req);
  let lines = first.lines;
  if (opts.sinceSeconds !== undefined) {
    const since = scope.ctx.now.getTime() - opts.sinceSeconds * 1000;
    lines = lines.filter((l) => Date.parse(l.time) >= since);
  }
  if (opts.tailLines !== undefined) lines = opts.tailLines === 0 ? [] : lines.slice(-opts.tailLines);
  let text = render(lines, opts);
  if (opts.limitBytes !== undefined) text = Buffer.from(text).subarray(0, opts.limitBytes).toString();
  const headers = { "Content-Type": "text/plain", "Cache-Control": "no-cache, private" };
  if (!opts.follow || !first.running || opts.previous) {
    res.writeHead(200, { ...headers, "Content-Length": Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  // Follow: what there is, then new lines as they come, until the container stops or the client goes.
  res.writeHead(200, { ...headers, "Transfer-Encoding": "chunked" });
  res.flushHeaders?.();
  if (text) res.write(text);
  let last = first.lines.at(-1)?.seq ?? 0;
  let sent = Buffer.byteLength(text);
  await new Promise<void>((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearInterval(timer);
      res.end();
      resolve();
    };
    res.on("close", finish);
    const timer = setInterval(() => {
      let log;
      try {
        log = agent.containerLogs(nodeName, req);
      } catch {
        return finish();
      }
      const fresh = log.lines.filter((l) => l.seq > last);
      if (fresh.length) {
        last = fresh.at(-1)!.seq;
        let chunk = render(fresh, opts);
        if (opts.limitBytes !== undefined)
          chunk = Buffer.from(chunk)
            .subarray(0, opts.limitBytes - sent)
            .toString();
        sent += Buffer.byteLength(chunk);
        if (chunk) res.write(chunk);
        if (opts.limitBytes !== undefined && sent >= opts.limitBytes) return finish();
      }
      if (!log.running) finish();
    }, deps.followPollMs ?? 500);
  });
}

/** A real node's log: the request goes to its kubelet, whose answer streams back as it comes. */
async function proxyLog(
  deps: PodLogDeps,
  nodeName: string,
  path: string,
  q: URLSearchParams,
  res: ResponseSink,
): Promise<void> {
  const params = new URLSearchParams();
  for (const k of [
    "follow",
    "previous",
    "timestamps",
    "tailLines",
    "limitBytes",
    "sinceSeconds",
    "sinceTime",
  ]) {
    const v = q.get(k);
    if (v !== null)
      params.set(k, ["follow", "previous", "timestamps"].includes(k) ? String(queryFlag(q, k)) : v);
  }
  const abort = new AbortController();
  res.on("close", () => abort.abort());
  const upstream = await deps.kubelets.get(nodeName, `${path}?${params}`, abort.signal);
  if (upstream.statusCode !== 200) {
    let text = "";
    for await (const chunk of upstream) text += String(chunk);
    let s: { code?: number; reason?: string; message?: string } = {};
    try {
      s = JSON.parse(text) as typeof s;
    } catch {
      s = { message: text.trim() };
    }
    throw new StatusError(
      s.code ?? upstream.statusCode ?? 500,
      (s.reason ?? "InternalError") as StatusReason,
      s.message ?? text,
    );
  }
  res.writeHead(200, {
    "Content-Type": "text/plain",
    "Cache-Control": "no-cache, private",
    "Transfer-Encoding": "chunked",
  });
  res.flushHeaders?.();
  await new Promise<void>((resolve) => {
    upstream.on("data", (d: Buffer) => res.write(d.toString()));
    upstream.on("end", resolve);
    upstream.on("error", resolve);
    upstream.on("close", resolve);
  });
  res.end();
}
