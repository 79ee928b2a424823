import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";

export interface PayloadFile {
  data: Buffer;
  mode: number;
}

const dataLink = "..data";

function sameAsCurrent(dir: string, payload: Map<string, PayloadFile>): boolean {
  const current = join(dir, dataLink);
  if (!existsSync(current)) return false;
  const walk = (d: string, prefix: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
    );
  const present = walk(current, "");
  if (present.length !== payload.size) return false;
  for (const [path, f] of payload) {
    const p = join(current, path);
    if (!existsSync(p)) return false;
    if ((statSync(p).mode & 0o777) !== f.mode) return false;
    if (!readFileSync(p).equals(f.data)) return false;
  }
  return true;
}

/**
 * Publishes a volume's files all at once, as the kubelet's atomic writer does (pkg/volume/util/
 * atomic_writer.go): the files go into a fresh timestamped folder, the `..data` symlink is swapped to
 * it by rename, and each top-level name is a symlink through `..data`. A reader never sees half an
 * update. Returns whether anything changed.
 */
export function writeAtomically(dir: string, payload: Map<string, PayloadFile>, now: Date): boolean {
  mkdirSync(dir, { recursive: true });
  if (sameAsCurrent(dir, payload)) return false;
  const stamp = `..${now.toISOString().replace(/[-:]/g, "_").replace("T", "_").replace("Z", "")}${Math.random().toString().slice(2, 8)}`;
  const tsDir = join(dir, stamp);
  mkdirSync(tsDir, { mode: 0o755 });
  for (const [path, f] of payload) {
    const p = join(tsDir, path);
    mkdirSync(dirname(p), { recursive: true, mode: 0o755 });
    writeFileSync(p, f.data, { mode: f.mode });
  }
  let old: string | undefined;
  try {
    old = readlinkSync(join(dir, dataLink));
  } catch {
    // first write
  }
  const tmpLink = join(dir, "..data_tmp");
  rmSync(tmpLink, { force: true });
  symlinkSync(stamp, tmpLink);
  renameSync(tmpLink, join(dir, dataLink));
  const top = new Set([...payload.keys()].map((p) => p.split("/")[0]));
  for (const name of top) {
    const link = join(dir, name);
    if (!existsSync(link) && !isSymlink(link)) symlinkSync(join(dataLink, name), link);
  }
  for (const e of readdirSync(dir)) {
    if (e.startsWith("..") || top.has(e)) continue;
    if (isSymlink(join(dir, e))) rmSync(join(dir, e));
  }
  if (old && old !== stamp) rmSync(join(dir, old), { recursive: true, force: true });
  return true;
}

function isSymlink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
