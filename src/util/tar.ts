// A POSIX ustar writer: enough for image layers and image archives (files, folders, symlinks).

export interface TarEntry {
  /** Path inside the archive, without a leading "/" ("bin/sh", "etc/"). */
  path: string;
  type: "file" | "dir" | "symlink";
  /** File contents. */
  data?: Buffer | string;
  /** Symlink target. */
  linkTarget?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
}

const BLOCK = 512;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, "0") + "\0";
}

/** Splits a long path into ustar's prefix (155) and name (100) fields. */
function splitPath(path: string): { name: string; prefix: string } {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: "" };
  for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { name, prefix };
  }
  throw new Error(`tar: path too long for ustar: ${path}`);
}

function header(e: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const path = e.type === "dir" && !e.path.endsWith("/") ? `${e.path}/` : e.path;
  const { name, prefix } = splitPath(path);
  h.write(name, 0, 100);
  const mode = e.mode ?? (e.type === "dir" ? 0o755 : e.type === "symlink" ? 0o777 : 0o644);
  h.write(octal(mode, 8), 100);
  h.write(octal(e.uid ?? 0, 8), 108);
  h.write(octal(e.gid ?? 0, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(e.mtime ?? 0, 12), 136);
  h.write("        ", 148);
  h.write(e.type === "dir" ? "5" : e.type === "symlink" ? "2" : "0", 156);
  if (e.linkTarget) h.write(e.linkTarget, 157, 100);
  h.write("ustar\u000000", 257);
  h.write(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + " ", 148);
  return h;
}

/** The archive bytes for these entries, in order, with the two zero blocks that end it. */
export function tar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.type === "file" ? Buffer.from(e.data ?? "") : Buffer.alloc(0);
    parts.push(header(e, data.length));
    if (data.length) {
      parts.push(data);
      const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
      if (pad) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** Reads a ustar archive's regular files (for tests and image archives). */
export function untar(archive: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (let off = 0; off + BLOCK <= archive.length;) {
    const h = archive.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break;
    const str = (start: number, len: number) =>
      h
        .subarray(start, start + len)
        .toString()
        .replace(/\0.*$/s, "");
    const size = parseInt(str(124, 12).trim() || "0", 8);
    const prefix = str(345, 155);
    const name = prefix ? `${prefix}/${str(0, 100)}` : str(0, 100);
    const type = str(156, 1);
    off += BLOCK;
    if (type === "0" || type === "") files.set(name, archive.subarray(off, off + size));
    off += Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
