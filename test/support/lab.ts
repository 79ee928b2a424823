// Test nodes in network namespaces on this machine, on one bridge (10.99.0.0/24), so pod traffic
// between nodes crosses real links and routes. Addresses come from 10.99/16, which the net guard
// keeps from leaving the machine.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { killall } from "./server.ts";

const root = resolve(import.meta.dirname, "../..");
export const HOST_IP = "10.99.0.1";

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "pipe", "pipe"] }).toString();
const quiet = (...args: string[]) => {
  try {
    ip(...args);
  } catch {
    // already gone
  }
};

/** The guard routes (scripts/net-guard.sh up): nothing sent to a cluster address leaves the machine. */
export function guardNetwork(): void {
  execFileSync(join(root, "scripts/net-guard.sh"), ["up"], { stdio: "inherit" });
}

// Lab L: bridge skiff-labL on 10.99.L.0/24 with the host at .1; host n of it is netns skiff-lL-nN.
const nsName = (n: number, lab: number) => `skiff-l${lab}-n${n}`;
const vethName = (n: number, lab: number) => `vl${lab}n${n}`;
export const labHostIP = (lab: number) => `10.99.${lab}.1`;

/** The bridge with the host on 10.99.LAB.1; leftovers of an earlier run removed first. */
export function setUpLab(lab = 0): void {
  guardNetwork();
  tearDownLab(lab);
  const bridge = `skiff-lab${lab}`;
  ip("link", "add", bridge, "type", "bridge");
  ip("addr", "add", `${labHostIP(lab)}/24`, "dev", bridge);
  ip("link", "set", bridge, "up");
}

export function tearDownLab(lab = 0): void {
  for (let n = 2; n < 10; n++) {
    quiet("link", "del", vethName(n, lab));
    quiet("netns", "del", nsName(n, lab));
  }
  quiet("link", "del", `skiff-lab${lab}`);
}

/** A network namespace for host n, at 10.99.LAB.n on the lab's bridge, with a default route via the host. */
export function addLabHost(n: number, lab = 0): { netns: string; ip: string } {
  const ns = nsName(n, lab);
  const address = `10.99.${lab}.${n}`;
  ip("netns", "add", ns);
  ip("link", "add", vethName(n, lab), "type", "veth", "peer", "name", "eth0", "netns", ns);
  ip("link", "set", vethName(n, lab), "master", `skiff-lab${lab}`, "up");
  ip("-n", ns, "addr", "add", `${address}/24`, "dev", "eth0");
  ip("-n", ns, "link", "set", "eth0", "up");
  ip("-n", ns, "link", "set", "lo", "up");
  ip("-n", ns, "route", "add", "default", "via", labHostIP(lab));
  return { netns: ns, ip: address };
}

export interface RunningAgent {
  dataDir: string;
  proc: ChildProcess;
  logs(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * `skiff agent` in a lab host's namespace. nsenter keeps the mount namespace (`ip netns exec`
 * would remount /sys and hide the cgroup mounts runc needs).
 */
export function startAgent(opts: {
  netns: string;
  server: string;
  token: string;
  nodeName: string;
  nodeIP: string;
  dataDir?: string;
  args?: string[];
}): RunningAgent {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "skiff-agent-"));
  const proc = spawn(
    "nsenter",
    [
      `--net=/var/run/netns/${opts.netns}`,
      process.execPath,
      join(root, "src/cmd/main.ts"),
      "agent",
      "--server",
      opts.server,
      "--token",
      opts.token,
      "--data-dir",
      dataDir,
      "--node-name",
      opts.nodeName,
      "--node-ip",
      opts.nodeIP,
      ...(opts.args ?? []),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  return {
    dataDir,
    proc,
    logs: () => out,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
}

/** An agent's pods stopped (killall in its namespace) and its data dir removed. */
export async function removeAgent(a: RunningAgent, netns: string): Promise<void> {
  await a.stop();
  await killall(a.dataDir, netns);
  rmSync(a.dataDir, { recursive: true, force: true });
}
