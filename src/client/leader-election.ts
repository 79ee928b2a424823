import type { KObject } from "../apimachinery/meta.ts";
import { StatusError } from "../apimachinery/status-error.ts";
import { rfc3339Micro, type Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import type { ApiClient } from "./interface.ts";
import type { ResourceRef } from "./rest-client.ts";

const leasesRef: ResourceRef = {
  group: "coordination.k8s.io",
  version: "v1",
  resource: "leases",
  namespaced: true,
};

export interface LeaderElectionTimings {
  /** How long a lease holds once renewed, as seen by the others (client-go LeaseDuration). */
  leaseDurationMs: number;
  /** How long the leader keeps trying to renew before it gives up (RenewDeadline). */
  renewDeadlineMs: number;
  /** How often to try to acquire or renew (RetryPeriod). */
  retryPeriodMs: number;
}

// The defaults of kube-scheduler and kube-controller-manager (--leader-elect-*).
export const defaultLeaderElectionTimings: LeaderElectionTimings = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

/** client-go's JitterFactor for the acquire loop. */
const jitterFactor = 1.2;

export interface LeaderElectorDeps {
  client: ApiClient;
  clock: Clock;
  logger: Logger;
  lease: { namespace: string; name: string };
  identity: string;
  timings?: Partial<LeaderElectionTimings>;
  /** Give the lease up when stopped, so another candidate takes over at once (ReleaseOnCancel). */
  releaseOnCancel?: boolean;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/**
 * Leader election on a coordination.k8s.io Lease, as client-go's tools/leaderelection: candidates
 * acquire the lease when its holder has not renewed it for leaseDuration (measured on the local
 * clock from when they last saw it change), the leader renews it every retryPeriod, and a leader
 * that cannot renew within renewDeadline stops leading. Writes carry the resourceVersion, so two
 * candidates can never both succeed.
 */
export class LeaderElector {
  private readonly deps: LeaderElectorDeps;
  readonly timings: LeaderElectionTimings;
  private lease?: KObject;
  private observedSpec = "";
  private observedAt = 0;
  private leading = false;

  constructor(deps: LeaderElectorDeps) {
    this.deps = deps;
    this.timings = { ...defaultLeaderElectionTimings, ...deps.timings };
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** The identity holding the lease as last seen. */
  get leader(): string | undefined {
    return (this.lease?.spec as LeaseSpec | undefined)?.holderIdentity || undefined;
  }

  /**
   * Waits to become leader, runs onStartedLeading with a signal that aborts when leadership is lost
   * (or `signal` aborts), and returns once that has happened and onStartedLeading has returned.
   */
  async run(signal: AbortSignal, onStartedLeading: (signal: AbortSignal) => Promise<void>): Promise<void> {
    const { logger, identity } = this.deps;
    if (!(await this.acquire(signal))) return;
    const leadership = new AbortController();
    const stop = () => leadership.abort();
    signal.addEventListener("abort", stop);
    logger.info("became leader", { lease: this.leaseName(), identity });
    const work = onStartedLeading(leadership.signal).catch((e: unknown) => {
      logger.error("leader work failed", { error: (e as Error).message });
    });
    await this.renewLoop(leadership.signal);
    this.leading = false;
    leadership.abort();
    signal.removeEventListener("abort", stop);
    logger.info(signal.aborted ? "stopped leading" : "leadership lost", {
      lease: this.leaseName(),
      identity,
    });
    await work;
    if (signal.aborted && this.deps.releaseOnCancel !== false) await this.release();
  }

  private leaseName(): string {
    return `${this.deps.lease.namespace}/${this.deps.lease.name}`;
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = this.deps.clock.setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        timer.cancel();
        resolve();
      };
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  private async acquire(signal: AbortSignal): Promise<boolean> {
    const { retryPeriodMs } = this.timings;
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) return true;
      await this.sleep(retryPeriodMs * (1 + Math.random() * jitterFactor), signal);
    }
    return false;
  }

  private async renewLoop(signal: AbortSignal): Promise<void> {
    const { retryPeriodMs, renewDeadlineMs } = this.timings;
    let lastRenew = this.deps.clock.now().getTime();
    while (!signal.aborted) {
      await this.sleep(retryPeriodMs, signal);
      if (signal.aborted) return;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = this.deps.clock.now().getTime();
        continue;
      }
      if (this.deps.clock.now().getTime() - lastRenew >= renewDeadlineMs) return;
    }
  }

  /** One attempt: create the lease, renew ours, or take over an expired one. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { client, clock, identity, lease: where, logger } = this.deps;
    const now = clock.now();
    const nowMicro = rfc3339Micro(now);
    const leaseSeconds = Math.round(this.timings.leaseDurationMs / 1000);
    let current: KObject;
    try {
      current = await client.get(leasesRef, where.namespace, where.name);
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) {
        logger.debug("error retrieving lease", { lease: this.leaseName(), error: (e as Error).message });
        return false;
      }
      try {
        this.lease = await client.create(leasesRef, where.namespace, {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: where.name, namespace: where.namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: leaseSeconds,
            acquireTime: nowMicro,
            renewTime: nowMicro,
            leaseTransitions: 0,
          },
        });
        this.observe(this.lease, now.getTime());
        this.leading = true;
        return true;
      } catch {
        return false;
      }
    }
    this.lease = current;
    const spec = (current.spec ?? {}) as LeaseSpec;
    this.observe(current, now.getTime());
    const holder = spec.holderIdentity ?? "";
    const held = holder !== "" && holder !== identity;
    if (held && this.observedAt + (spec.leaseDurationSeconds ?? leaseSeconds) * 1000 > now.getTime()) {
      this.leading = false;
      return false;
    }
    const ours = holder === identity;
    const next: LeaseSpec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: leaseSeconds,
      renewTime: nowMicro,
      acquireTime: ours && spec.acquireTime ? spec.acquireTime : nowMicro,
      leaseTransitions: ours ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
    };
    try {
      this.lease = await client.update(leasesRef, where.namespace, where.name, { ...current, spec: next });
    } catch (e) {
      logger.debug("failed to update lease", { lease: this.leaseName(), error: (e as Error).message });
      return false;
    }
    this.observe(this.lease, now.getTime());
    this.leading = true;
    return true;
  }

  /** Remembers when the lease record last changed, on our own clock (client-go observedTime). */
  private observe(lease: KObject, at: number): void {
    const s = JSON.stringify(lease.spec ?? {});
    if (s !== this.observedSpec) {
      this.observedSpec = s;
      this.observedAt = at;
    }
  }

  private async release(): Promise<void> {
    const { client, clock, identity, lease: where } = this.deps;
    const cur = this.lease;
    if (!cur || (cur.spec as LeaseSpec | undefined)?.holderIdentity !== identity) return;
    const nowMicro = rfc3339Micro(clock.now());
    const spec = cur.spec as LeaseSpec;
    try {
      this.lease = await client.update(leasesRef, where.namespace, where.name, {
        ...cur,
        spec: {
          leaseTransitions: spec.leaseTransitions ?? 0,
          leaseDurationSeconds: 1,
          renewTime: nowMicro,
          acquireTime: nowMicro,
        },
      });
    } catch (e) {
      this.deps.logger.debug("failed to release lease", {
        lease: this.leaseName(),
        error: (e as Error).message,
      });
    }
  }
}
