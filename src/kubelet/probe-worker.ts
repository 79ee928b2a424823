import type { Clock } from "../util/clock.ts";

export type ProbeType = "liveness" | "readiness" | "startup";

/** core/v1 Probe, the fields the kubelet reads. */
export interface ProbeSpec {
  httpGet?: { path?: string; port: number | string; host?: string; scheme?: string };
  tcpSocket?: { port: number | string; host?: string };
  exec?: { command?: string[] };
  grpc?: { port: number; service?: string };
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

export interface ProbeOutcome {
  ok: boolean;
  /** What the prober reports on failure ("HTTP probe failed with statuscode: 500"). */
  output: string;
}

export interface ProbeWorkerDeps {
  clock: Clock;
  /** Runs one probe of the container. */
  probe(spec: ProbeSpec, timeoutMs: number): Promise<ProbeOutcome>;
  /** When the container started running (initialDelaySeconds counts from here). */
  startedAt(): number;
  /** Liveness and readiness wait until a startup probe has succeeded. */
  started(): boolean;
  /** Every failed probe (upstream records an Unhealthy event for each). */
  onFailure(output: string): void;
  /** The result changed after its threshold of consecutive outcomes. */
  onResult(ok: boolean): void;
  random?: () => number;
}

/**
 * One probe of one container (pkg/kubelet/prober/worker.go): after a random share of the first
 * period, probes every periodSeconds once initialDelaySeconds have passed since the container
 * started; a result changes after successThreshold or failureThreshold outcomes in a row. A failed
 * liveness or startup result puts the worker on hold: the container is killed, and the worker ends.
 */
export class ProbeWorker {
  readonly type: ProbeType;
  private readonly spec: ProbeSpec;
  private readonly deps: ProbeWorkerDeps;
  private timer?: { cancel(): void };
  private stopped = false;
  private lastOk?: boolean;
  private run = 0;

  constructor(type: ProbeType, spec: ProbeSpec, deps: ProbeWorkerDeps) {
    this.type = type;
    this.spec = spec;
    this.deps = deps;
  }

  get periodMs(): number {
    return Math.max(1, this.spec.periodSeconds ?? 10) * 1000;
  }

  start(): void {
    const jitter = Math.floor((this.deps.random ?? Math.random)() * this.periodMs);
    this.timer = this.deps.clock.setTimeout(() => void this.tick(), jitter);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private schedule(): void {
    if (!this.stopped) this.timer = this.deps.clock.setTimeout(() => void this.tick(), this.periodMs);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (this.type !== "startup" && !this.deps.started()) return this.schedule();
    const sinceStart = this.deps.clock.now().getTime() - this.deps.startedAt();
    if (sinceStart < (this.spec.initialDelaySeconds ?? 0) * 1000) return this.schedule();
    const timeoutMs = Math.max(1, this.spec.timeoutSeconds ?? 1) * 1000;
    let outcome: ProbeOutcome;
    try {
      outcome = await this.deps.probe(this.spec, timeoutMs);
    } catch (e) {
      outcome = { ok: false, output: (e as Error).message };
    }
    if (this.stopped) return;
    if (!outcome.ok) this.deps.onFailure(outcome.output);
    if (this.lastOk === outcome.ok) this.run++;
    else {
      this.lastOk = outcome.ok;
      this.run = 1;
    }
    const threshold = outcome.ok ? (this.spec.successThreshold ?? 1) : (this.spec.failureThreshold ?? 3);
    if (this.run >= threshold) {
      this.deps.onResult(outcome.ok);
      if (!outcome.ok && this.type !== "readiness") {
        this.stop();
        return;
      }
      if (outcome.ok && this.type === "startup") {
        // A startup probe has done its work once it succeeds.
        this.stop();
        return;
      }
    }
    this.schedule();
  }
}
