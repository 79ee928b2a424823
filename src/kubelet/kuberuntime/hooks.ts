import type { ProbeOutcome } from "../probe-worker.ts";
import { resolvePort, type ContainerSpec } from "../runtime.ts";
import { execAction, httpGet, tcpProbe } from "./prober.ts";
import type { RuntimeService } from "./runtime-service.ts";

/** A postStart or preStop handler (core/v1 LifecycleHandler). */
export interface LifecycleHandler {
  exec?: { command?: string[] };
  httpGet?: {
    path?: string;
    port: number | string;
    host?: string;
    scheme?: string;
    httpHeaders?: Array<{ name: string; value: string }>;
  };
  tcpSocket?: { port: number | string; host?: string };
  sleep?: { seconds: number };
}

/** Runs a lifecycle hook (pkg/kubelet/lifecycle/handlers.go), answering how it went in upstream's words. */
export async function runHook(
  runtime: RuntimeService,
  containerId: string,
  container: ContainerSpec,
  podIP: string,
  h: LifecycleHandler,
  timeoutMs: number,
): Promise<ProbeOutcome> {
  if (h.sleep) {
    await new Promise((r) => setTimeout(r, Math.min(timeoutMs, h.sleep!.seconds * 1000)));
    return { ok: true, output: "" };
  }
  if (h.exec) {
    const cmd = h.exec.command ?? [];
    const r = await execAction(runtime, containerId, cmd, timeoutMs);
    return r.ok
      ? r
      : {
          ok: false,
          output: `Exec lifecycle hook (${JSON.stringify(cmd)}) for Container "${container.name}" failed - error: ${r.output.trim()}`,
        };
  }
  const target = h.httpGet ?? h.tcpSocket;
  const port = target ? resolvePort(container, target.port) : undefined;
  if (!target || port === undefined)
    return { ok: false, output: `invalid hook handler for container "${container.name}"` };
  const r = h.httpGet
    ? await httpGet(podIP, port, h.httpGet, timeoutMs)
    : await tcpProbe(h.tcpSocket?.host || podIP, port, timeoutMs);
  return r.ok
    ? r
    : {
        ok: false,
        output: `HTTP lifecycle hook (${h.httpGet?.path ?? ""}) for Container "${container.name}" failed - error: ${r.output}`,
      };
}
