import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statfsSync } from "node:fs";
import { availableParallelism, arch, hostname, release } from "node:os";
import { goArch } from "../images/image-builder.ts";

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

function meminfo(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (read("/proc/meminfo") ?? "").split("\n")) {
    const m = /^(\w+):\s+(\d+)\s*kB/.exec(line);
    if (m) out[m[1]] = Number(m[2]) * 1024;
  }
  return out;
}

/** The figures the kubelet's eviction manager watches (pkg/kubelet/eviction), read now. */
export interface Measurements {
  memoryAvailable: number;
  nodefsAvailable: number;
  nodefsCapacity: number;
  pidsAvailable: number;
}

export function measure(dataDir: string): Measurements {
  const mem = meminfo();
  let fsAvail = 0;
  let fsCap = 0;
  try {
    const s = statfsSync(dataDir);
    fsAvail = s.bavail * s.bsize;
    fsCap = s.blocks * s.bsize;
  } catch {
    // unreadable: reported as no pressure
  }
  const pidMax = Number(read("/proc/sys/kernel/pid_max") ?? 32768);
  let procs: number;
  try {
    procs = readdirSync("/proc").filter((n) => /^\d+$/.test(n)).length;
  } catch {
    procs = 0;
  }
  return {
    memoryAvailable: mem.MemAvailable ?? mem.MemFree ?? 0,
    nodefsAvailable: fsAvail,
    nodefsCapacity: fsCap,
    pidsAvailable: pidMax - procs,
  };
}

const ki = (bytes: number) => `${Math.floor(bytes / 1024)}Ki`;

// The kubelet's default hard eviction thresholds: memory.available<100Mi, nodefs.available<10%.
export const evictionMemoryBytes = 100 * 1024 * 1024;
export const evictionNodefsFraction = 0.1;

export interface MachineInfo {
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
  memoryCapacity: number;
  allocatableNumbers: { cpu: number; memory: number; ephemeralStorage: number };
  nodeInfo: Record<string, string>;
  hostname: string;
}

function stableId(seed: string): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, 32);
}

/** Capacity, allocatable and nodeInfo of this machine (pkg/kubelet/nodestatus MachineInfo and VersionInfo). */
export function machineInfo(dataDir: string, nodeName: string, maxPods = 110): MachineInfo {
  const mem = meminfo().MemTotal ?? 0;
  const cpus = availableParallelism();
  const m = measure(dataDir);
  const capacity = {
    cpu: String(cpus),
    "ephemeral-storage": ki(m.nodefsCapacity),
    "hugepages-1Gi": "0",
    "hugepages-2Mi": "0",
    memory: ki(mem),
    pods: String(maxPods),
  };
  const allocMem = Math.max(0, mem - evictionMemoryBytes);
  const allocFs = Math.floor(m.nodefsCapacity * (1 - evictionNodefsFraction));
  const allocatable = { ...capacity, memory: ki(allocMem), "ephemeral-storage": String(allocFs) };
  const osRelease = read("/etc/os-release") ?? "";
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(osRelease)?.[1] ?? "Linux";
  // Several nodes on one machine (agents in network namespaces) still get IDs of their own.
  const machineId =
    read("/etc/machine-id") ?? read("/var/lib/dbus/machine-id") ?? stableId(`${hostname()}/machine`);
  const uuid = read("/sys/class/dmi/id/product_uuid") ?? stableId(`${machineId}/${nodeName}`);
  const u = uuid.replaceAll("-", "");
  return {
    capacity,
    allocatable,
    memoryCapacity: mem,
    allocatableNumbers: { cpu: cpus, memory: allocMem, ephemeralStorage: allocFs },
    hostname: hostname(),
    nodeInfo: {
      machineID: machineId,
      systemUUID: uuid.includes("-")
        ? uuid
        : `${u.slice(0, 8)}-${u.slice(8, 12)}-${u.slice(12, 16)}-${u.slice(16, 20)}-${u.slice(20, 32)}`,
      bootID: read("/proc/sys/kernel/random/boot_id") ?? "",
      kernelVersion: release(),
      osImage: pretty,
      operatingSystem: "linux",
      architecture: goArch(arch()),
    },
  };
}
