// Test nodes in network namespaces on this machine, on one bridge (10.99.0.0/24), so pod traffic
// between nodes crosses real links and routes. Addresses come from 10.99/16, which the net guard
// keeps from leaving the machine.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
export const BRIDGE = "skiff-lab0";
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

const nsName = (n: number) => `skiff-lab${n}`;

/** The bridge with the host on 10.99.0.1; leftovers of an earlier run removed first. */
export function setUpLab(): void {
  guardNetwork();
  tearDownLab();
  ip("link", "add", BRIDGE, "type", "bridge");
  ip("addr", "add", `${HOST_IP}/24`, "dev", BRIDGE);
  ip("link", "set", BRIDGE, "up");
}

export function tearDownLab(): void {
  for (let n = 2; n < 10; n++) {
    quiet("link", "del", `vlab${n}`);
    quiet("netns", "del", nsName(n));
  }
  quiet("link", "del", BRIDGE);
}

/** A network namespace for node n, at 10.99.0.n on the bridge, with a default route via the host. */
export function addLabHost(n: number): { netns: string; ip: string } {
  const ns = nsName(n);
  ip("netns", "add", ns);
  ip("link", "add", `vlab${n}`, "type", "veth", "peer", "name", "eth0", "netns", ns);
  ip("link", "set", `vlab${n}`, "master", BRIDGE, "up");
  ip("-n", ns, "addr", "add", `10.99.0.${n}/24`, "dev", "eth0");
  ip("-n", ns, "link", "set", "eth0", "up");
  ip("-n", ns, "link", "set", "lo", "up");
  ip("-n", ns, "route", "add", "default", "via", HOST_IP);
  return { netns: ns, ip: `10.99.0.${n}` };
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
  const p = spawn("nsenter", [
    `--net=/var/run/netns/${netns}`,
    process.execPath,
    join(root, "src/cmd/main.ts"),
    "killall",
    "--data-dir",
    a.dataDir,
  ]);
  await new Promise((r) => p.once("exit", r));
  rmSync(a.dataDir, { recursive: true, force: true });
}
