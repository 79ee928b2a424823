// Load from wrk, the C load generator, against one of the Lua scripts in bench/wrk.
import { execFileSync } from "node:child_process";
import { join } from "node:path";

export interface WrkResult {
  op: string;
  clients: number;
  ops: number;
  seconds: number;
  rate: number;
  p50: number;
  p99: number;
  errors: number;
}

/** Load from wrk (C, two threads): one Node client, or one wrk thread, saturates before the server does. */
export function wrk(script: string, clients: number, seconds: number, url: string, token: string): WrkResult {
  const out = execFileSync(
    "wrk",
    [
      // Two threads: one wrk thread saturates before the server does (about 15k requests/s here).
      `-t${Math.min(2, clients)}`,
      `-c${clients}`,
      `-d${seconds}s`,
      "--latency",
      "-s",
      join(import.meta.dirname, "..", "wrk", script),
      url,
    ],
    {
      env: {
        ...process.env,
        SKIFF_TOKEN: token,
        SKIFF_TAG: `${script.slice(0, 1)}${clients}x${Date.now() % 1e7}`,
      },
      encoding: "utf8",
    },
  );
  const ms = (re: RegExp) => {
    const m = re.exec(out);
    if (!m) return NaN;
    const v = Number(m[1]);
    return m[2] === "us" ? v / 1000 : m[2] === "s" ? v * 1000 : v;
  };
  const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? "0");
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? "0");
  const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? "0");
  return {
    op: script,
    clients,
    ops: total,
    seconds,
    rate,
    p50: ms(/50%\s+([\d.]+)(us|ms|s)/),
    p99: ms(/99%\s+([\d.]+)(us|ms|s)/),
    errors: non2xx,
  };
}
