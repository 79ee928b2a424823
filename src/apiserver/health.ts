// /healthz, /livez and /readyz as kube-apiserver answers them: "ok", or with ?verbose one line per
// check and the verdict; a single check at /readyz/NAME; ?exclude=NAME skips one. A failing check
// makes the answer 500 and lists every check whatever the verbosity (healthz.handleRootHealth).
import type { ResponseSink } from "./handlers/scope.ts";

export interface HealthState {
  /** Informers synced and the listener up. */
  ready: () => boolean;
  /** The server is going down: readiness fails first, so load balancers stop sending. */
  stopping: () => boolean;
  /** Reads the storage; rejects or hangs when it is unreachable. */
  storagePing: () => Promise<unknown>;
}

interface Check {
  name: string;
  run: (s: HealthState) => Promise<boolean> | boolean;
}

const STORAGE_TIMEOUT_MS = 2000;

async function storageOk(s: HealthState): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      s.storagePing().then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), STORAGE_TIMEOUT_MS))),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

const started = (s: HealthState) => s.ready();
const common: Check[] = [
  { name: "ping", run: () => true },
  { name: "log", run: () => true },
  { name: "etcd", run: storageOk },
];
const hooks: Check[] = [
  "poststarthook/start-apiserver-admission-initializer",
  "poststarthook/generic-apiserver-start-informers",
  "poststarthook/start-kube-apiserver-admission-initializer",
  "poststarthook/bootstrap-controller",
].map((name) => ({ name, run: started }));

const CHECKS: Record<string, Check[]> = {
  healthz: [...common, ...hooks],
  livez: [...common, ...hooks],
  readyz: [
    ...common,
    { name: "etcd-readiness", run: storageOk },
    { name: "informer-sync", run: started },
    ...hooks,
    { name: "shutdown", run: (s) => !s.stopping() },
  ],
};

function write(res: ResponseSink, code: number, text: string): void {
  res.writeHead(code, {
    "Content-Type": "text/plain; charset=utf-8",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache, private",
  });
  res.end(text);
}

/** Serves a health path; false when the path is not one. */
export async function serveHealth(
  path: string,
  query: URLSearchParams,
  state: HealthState,
  res: ResponseSink,
): Promise<boolean> {
  const [, endpoint, single, ...more] = path.split("/");
  const checks = CHECKS[endpoint ?? ""];
  if (!checks || (more.length > 0 && single !== "poststarthook")) return false;
  if (single !== undefined && single !== "") {
    // poststarthook names carry a slash: /readyz/poststarthook/bootstrap-controller.
    const name = path.slice(endpoint!.length + 2);
    const check = checks.find((c) => c.name === name);
    if (!check) {
      write(res, 404, "404 page not found\n");
      return true;
    }
    const ok = await check.run(state);
    write(res, ok ? 200 : 500, ok ? "ok" : `internal server error: ${name} check failed\n`);
    return true;
  }
  const excluded = new Set(query.getAll("exclude").flatMap((e) => e.split(",")));
  const lines: string[] = [];
  let failed = false;
  for (const c of checks) {
    if (excluded.has(c.name)) {
      lines.push(`[+]${c.name} excluded: ok`);
      excluded.delete(c.name);
      continue;
    }
    const ok = await c.run(state);
    if (!ok) failed = true;
    lines.push(ok ? `[+]${c.name} ok` : `[-]${c.name} failed: reason withheld`);
  }
  if (excluded.size > 0) {
    const names = [...excluded].sort().map((n) => JSON.stringify(n));
    lines.push(`warn: some health checks cannot be excluded: no matches for ${names.join(",")}`);
  }
  const verbose = query.has("verbose");
  if (!failed && !verbose) {
    write(res, 200, "ok");
    return true;
  }
  lines.push(failed ? `${endpoint} check failed` : `${endpoint} check passed`);
  write(res, failed ? 500 : 200, `${lines.join("\n")}\n`);
  return true;
}
