// Running the node's network tools (ip, iptables, iptables-restore): stdout, or an error that
// carries their own message.
import { execFile } from "node:child_process";

export function sh(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = execFile(cmd, args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd}: ${stderr.trim() || err.message}`)) : resolve(stdout),
    );
    if (input !== undefined) p.stdin?.end(input);
  });
}

/** An iptables rule in place, prepended when missing (checked with -C first, so never twice). */
export async function ensureIptablesRule(table: string, chain: string, rule: string[]): Promise<void> {
  try {
    await sh("iptables", ["-w", "-t", table, "-C", chain, ...rule]);
  } catch {
    await sh("iptables", ["-w", "-t", table, "-I", chain, "1", ...rule]);
  }
}
