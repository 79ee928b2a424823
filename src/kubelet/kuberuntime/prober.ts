import * as grpc from "@grpc/grpc-js";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { Socket } from "node:net";
import type { ProbeOutcome, ProbeSpec } from "../probe-worker.ts";
import { resolvePort, type ContainerSpec } from "../runtime.ts";
import type { RuntimeService } from "./runtime-service.ts";

// pkg/probe/http: the kubelet's user agent and the most of a body it reads.
const userAgent = "kube-probe/1.32";
const maxBodyBytes = 10 * 1024;

/** An httpGet probe or hook: 2xx and 3xx pass (pkg/probe/http). */
export function httpGet(
  host: string,
  port: number,
  action: NonNullable<ProbeSpec["httpGet"]> & { httpHeaders?: Array<{ name: string; value: string }> },
  timeoutMs: number,
): Promise<ProbeOutcome> {
  const scheme = (action.scheme ?? "HTTP").toLowerCase();
  const path = action.path ?? "/";
  const target = action.host || host;
  const url = `${scheme}://${target.includes(":") ? `[${target}]` : target}:${port}${path.startsWith("/") ? path : `/${path}`}`;
  const headers: Record<string, string> = { "User-Agent": userAgent, Accept: "*/*" };
  for (const h of action.httpHeaders ?? []) headers[h.name] = h.value;
  return new Promise((resolve) => {
    const req = (scheme === "https" ? httpsRequest : httpRequest)(
      url,
      { method: "GET", headers, timeout: timeoutMs, rejectUnauthorized: false },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => {
          if (body.length < maxBodyBytes) body += d.toString();
        });
        res.on("end", () => {
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 400) resolve({ ok: true, output: "" });
          else resolve({ ok: false, output: `HTTP probe failed with statuscode: ${code}` });
        });
        res.on("error", () =>
          resolve({ ok: false, output: `HTTP probe failed with statuscode: ${res.statusCode}` }),
        );
      },
    );
    req.on("timeout", () => {
      req.destroy();
      resolve({
        ok: false,
        output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
      });
    });
    req.on("error", (e: NodeJS.ErrnoException) =>
      resolve({ ok: false, output: `Get "${url}": ${dialError(target, port, e)}` }),
    );
    req.end();
  });
}

/** Go's wording for a failed dial ("dial tcp 10.42.0.5:8080: connect: connection refused"). */
function dialError(host: string, port: number, e: NodeJS.ErrnoException): string {
  const addr = `${host}:${port}`;
  switch (e.code) {
    case "ECONNREFUSED":
      return `dial tcp ${addr}: connect: connection refused`;
    case "EHOSTUNREACH":
      return `dial tcp ${addr}: connect: no route to host`;
    case "ENETUNREACH":
      return `dial tcp ${addr}: connect: network is unreachable`;
    case "ECONNRESET":
      return `read tcp ${addr}: read: connection reset by peer`;
    default:
      return e.message;
  }
}

export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (o: ProbeOutcome) => {
      s.destroy();
      resolve(o);
    };
    s.setTimeout(timeoutMs, () => done({ ok: false, output: `dial tcp ${host}:${port}: i/o timeout` }));
    s.once("connect", () => done({ ok: true, output: "" }));
    s.once("error", (e: NodeJS.ErrnoException) => done({ ok: false, output: dialError(host, port, e) }));
    s.connect(port, host);
  });
}

const servingStatus = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"];

/** grpc.health.v1.Health/Check, encoded by hand (one string field out, one enum field back). */
export function grpcProbe(
  host: string,
  port: number,
  service: string,
  timeoutMs: number,
): Promise<ProbeOutcome> {
  const addr = `${host}:${port}`;
  const client = new grpc.Client(addr, grpc.credentials.createInsecure());
  const svc = Buffer.from(service);
  const request = svc.length ? Buffer.concat([Buffer.from([0x0a, svc.length]), svc]) : Buffer.alloc(0);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      "/grpc.health.v1.Health/Check",
      (b: Buffer) => b,
      (b: Buffer) => b,
      request,
      new grpc.Metadata({ waitForReady: true }),
      { deadline: Date.now() + timeoutMs },
      (err, res) => {
        client.close();
        if (err) {
          const msg =
            err.code === grpc.status.DEADLINE_EXCEEDED
              ? `timeout: failed to connect service "${addr}" within ${timeoutMs / 1000}s: context deadline exceeded`
              : `error: health rpc probe failed: ${err.details}`;
          return resolve({ ok: false, output: msg });
        }
        const b = res ?? Buffer.alloc(0);
        const status = b.length >= 2 && b[0] === 0x08 ? b[1] : 0;
        if (status === 1) resolve({ ok: true, output: "" });
        else
          resolve({
            ok: false,
            output: `service unhealthy (responded with "${servingStatus[status] ?? status}")`,
          });
      },
    );
  });
}

/** exec probes and hooks: ExecSync with the timeout; a non-zero exit fails with what the command printed. */
export async function execAction(
  runtime: RuntimeService,
  containerId: string,
  command: string[],
  timeoutMs: number,
): Promise<ProbeOutcome> {
  const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  try {
    const r = await runtime.execSync(containerId, command, seconds);
    const output = Buffer.concat([Buffer.from(r.stdout ?? []), Buffer.from(r.stderr ?? [])]).toString();
    return r.exit_code === 0
      ? { ok: true, output }
      : { ok: false, output: output || `command terminated with exit code ${r.exit_code}` };
  } catch (e) {
    const msg = (e as Error).message;
    if (/deadline|timeout/i.test(msg))
      return { ok: false, output: `command ${JSON.stringify(command.join(" "))} timed out` };
    return { ok: false, output: msg };
  }
}

/** Runs one probe of a container on the node (pkg/kubelet/prober/prober.go runProbe). */
export function runProbe(
  runtime: RuntimeService,
  containerId: string,
  container: ContainerSpec,
  podIP: string,
  spec: ProbeSpec,
  timeoutMs: number,
): Promise<ProbeOutcome> {
  if (spec.exec) return execAction(runtime, containerId, spec.exec.command ?? [], timeoutMs);
  const target = spec.httpGet ?? spec.tcpSocket ?? spec.grpc;
  if (!target) return Promise.resolve({ ok: false, output: "missing probe handler" });
  const port = resolvePort(container, target.port);
  if (port === undefined || port <= 0 || port > 65535)
    return Promise.resolve({ ok: false, output: `invalid port number: ${String(target.port)}` });
  if (spec.httpGet) return httpGet(podIP, port, spec.httpGet, timeoutMs);
  if (spec.tcpSocket) return tcpProbe(spec.tcpSocket.host || podIP, port, timeoutMs);
  return grpcProbe(podIP, port, spec.grpc?.service ?? "", timeoutMs);
}
