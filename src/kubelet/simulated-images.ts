/**
 * How simulated containers of a few well-known images behave, so that the journeys of Kubernetes in
 * Action play out on simulated nodes: what they answer on which port, what they log, and whether
 * they ignore SIGTERM (a stop then ends in SIGKILL, exit code 137). Every other image is a healthy
 * process that answers every probe and exits 0 when stopped.
 */
export interface ImageModel {
  /** TCP ports the process listens on. */
  ports: number[];
  /** The HTTP answer to the n-th request (from 1) since the container started. */
  http?(n: number, hostname: string): { status: number; body: string };
  /** Lines logged at start, and per HTTP request. */
  startLog?(at: Date): string[];
  requestLog?(from: string): string;
  /** Lines logged every periodMs while running. */
  periodicLog?: { periodMs: number; line(at: Date): string };
  /** Lines logged when the container exits on its own. */
  exitLog?(at: Date): string[];
  ignoresSigterm: boolean;
  /** Paths in the image, for exec probes that test for a file. */
  files: ReadonlySet<string>;
}

const base = [
  "/",
  "/bin",
  "/bin/sh",
  "/dev",
  "/etc",
  "/etc/hostname",
  "/home",
  "/proc",
  "/root",
  "/tmp",
  "/usr",
  "/var",
];
/** node:7 on Debian, with the app. */
const debianNodeFiles = new Set([...base, "/bin/bash", "/usr/bin/curl", "/usr/local/bin/node", "/app.js"]);
const busyboxFiles = new Set(base);

/** `date` output inside busybox ("%a %b %e %H:%M:%S %Z %Y"): "Thu Nov 26 14:00:00 UTC 2026". */
function busyboxDate(at: Date): string {
  // toUTCString: "Thu, 26 Nov 2026 14:00:00 GMT"
  const [wd, day, mon, year, time] = at.toUTCString().replace(",", "").split(" ");
  return `${wd} ${mon} ${String(Number(day)).padStart(2, " ")} ${time} UTC ${year}`;
}

const kubia = (healthyRequests: number): ImageModel => ({
  ports: [8080],
  http: (n, hostname) =>
    n <= healthyRequests
      ? { status: 200, body: `You've hit ${hostname}\n` }
      : { status: 500, body: "I'm not well. Please restart me!" },
  startLog: () => ["Kubia server starting..."],
  requestLog: (from) => `Received request from ::ffff:${from}`,
  // node runs as PID 1 without a SIGTERM handler.
  ignoresSigterm: true,
  files: debianNodeFiles,
});

const models: Array<[RegExp, ImageModel]> = [
  [/^(docker\.io\/)?luksa\/kubia-unhealthy(:|@|$)/, kubia(5)],
  [/^(docker\.io\/)?luksa\/kubia(:|@|$)/, kubia(Infinity)],
  [
    /^(docker\.io\/)?luksa\/ssd-monitor(:|@|$)/,
    {
      ports: [],
      periodicLog: { periodMs: 5000, line: () => "SSD OK" },
      ignoresSigterm: true,
      files: busyboxFiles,
    },
  ],
  [
    /^(docker\.io\/)?luksa\/batch-job(:|@|$)/,
    {
      ports: [],
      startLog: (at) => [`${busyboxDate(at)} Batch job starting`],
      // The image's own spelling.
      exitLog: (at) => [`${busyboxDate(at)} Finished succesfully`],
      ignoresSigterm: true,
      files: busyboxFiles,
    },
  ],
];

export function imageModel(image: string): ImageModel | undefined {
  return models.find(([re]) => re.test(image))?.[1];
}
