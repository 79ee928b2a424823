import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Mount points at or below dir, deepest first (from /proc/self/mountinfo, octal escapes decoded). */
export function mountsUnder(dir: string, mountinfo?: string): string[] {
  let text = mountinfo;
  if (text === undefined) {
    try {
      text = readFileSync("/proc/self/mountinfo", "utf8");
    } catch {
      return [];
    }
  }
  const root = dir.replace(/\/+$/, "");
  const points = text
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p === root || p.startsWith(`${root}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Unmounts everything at or below dir (k3s-killall's do_unmount); answers how many went. */
export async function unmountUnder(dir: string): Promise<number> {
  let n = 0;
  for (const p of mountsUnder(dir)) {
    try {
      await run("umount", [p]);
      n++;
    } catch {
      // busy or already gone: a lazy unmount lets it go once nothing holds it
      await run("umount", ["-l", p]).then(
        () => n++,
        () => {},
      );
    }
  }
  return n;
}
