import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from "node:fs";

/** One line of a CRI log file: "<RFC3339Nano> <stdout|stderr> <P|F> <text>". */
export interface CriLogLine {
  time: string;
  stream: "stdout" | "stderr";
  /** Text of a complete line, with its newline; partial ("P") pieces are joined to what follows. */
  text: string;
}

export interface LogOptions {
  tailLines?: number;
  sinceTime?: Date;
  limitBytes?: number;
  timestamps: boolean;
  follow: boolean;
}

/** Splits CRI log bytes into lines; `rest` is an incomplete last line, to be prepended to what comes next. */
export function parseCriLog(
  text: string,
  pending = { time: "", stream: "stdout" as CriLogLine["stream"], text: "" },
) {
  const lines: CriLogLine[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf("\n", start);
    if (nl < 0) break;
    const raw = text.slice(start, nl);
    start = nl + 1;
    const a = raw.indexOf(" ");
    const b = raw.indexOf(" ", a + 1);
    const c = raw.indexOf(" ", b + 1);
    if (a < 0 || b < 0) continue;
    const time = raw.slice(0, a);
    const stream = raw.slice(a + 1, b) === "stderr" ? "stderr" : "stdout";
    const tag = c < 0 ? raw.slice(b + 1) : raw.slice(b + 1, c);
    const content = c < 0 ? "" : raw.slice(c + 1);
    if (tag === "P") {
      if (!pending.text) pending.time = time;
      pending.stream = stream;
      pending.text += content;
      continue;
    }
    lines.push({ time: pending.text ? pending.time : time, stream, text: `${pending.text}${content}\n` });
    pending.text = "";
  }
  return { lines, rest: text.slice(start), pending };
}

function render(l: CriLogLine, timestamps: boolean): string {
  return timestamps ? `${l.time} ${l.text}` : l.text;
}

/** What a finished container left for its termination message (FallbackToLogsOnError): 80 lines, 2 KiB. */
export function tailForTermination(path: string): string {
  try {
    const { lines } = parseCriLog(readFileSync(path, "utf8"));
    const text = lines
      .slice(-80)
      .map((l) => l.text)
      .join("");
    return Buffer.from(text).subarray(-2048).toString();
  } catch {
    return "";
  }
}

export interface LogSink {
  write(chunk: string): boolean;
  readonly closed: boolean;
}

/**
 * Writes a container's log as `kubectl logs` shows it (pkg/kubelet/kuberuntime/logs): tail, since,
 * limit and timestamps; with follow, keeps reading as the file grows (and after a rotation, from the
 * new file) until the container has stopped and the file is drained, or the reader goes away.
 */
export async function writeContainerLog(
  path: string,
  opts: LogOptions,
  sink: LogSink,
  isRunning: () => Promise<boolean>,
  pollMs = 200,
): Promise<void> {
  let sent = 0;
  const emit = (lines: CriLogLine[]): boolean => {
    for (const l of lines) {
      if (opts.sinceTime && Date.parse(l.time) < opts.sinceTime.getTime()) continue;
      let out = render(l, opts.timestamps);
      if (opts.limitBytes !== undefined) {
        const left = opts.limitBytes - sent;
        if (left <= 0) return false;
        if (Buffer.byteLength(out) > left) out = Buffer.from(out).subarray(0, left).toString();
      }
      sent += Buffer.byteLength(out);
      sink.write(out);
      if (opts.limitBytes !== undefined && sent >= opts.limitBytes) return false;
    }
    return true;
  };
  if (!existsSync(path)) return;
  let fd = openSync(path, "r");
  let ino = fstatSync(fd).ino;
  let offset = 0;
  let rest = "";
  let pending = { time: "", stream: "stdout" as CriLogLine["stream"], text: "" };
  const readNew = (): CriLogLine[] => {
    const size = fstatSync(fd).size;
    if (size <= offset) return [];
    const buf = Buffer.alloc(size - offset);
    const n = readSync(fd, buf, 0, buf.length, offset);
    offset += n;
    const parsed = parseCriLog(rest + buf.subarray(0, n).toString(), pending);
    rest = parsed.rest;
    pending = parsed.pending;
    return parsed.lines;
  };
  try {
    let first = readNew();
    if (opts.tailLines !== undefined) first = opts.tailLines === 0 ? [] : first.slice(-opts.tailLines);
    if (!emit(first) || !opts.follow) return;
    for (;;) {
      if (sink.closed) return;
      await new Promise((r) => setTimeout(r, pollMs));
      if (!emit(readNew())) return;
      // Rotated: drain the old file (done above), then carry on with the new one.
      let rotated = false;
      try {
        rotated = statSync(path).ino !== ino;
      } catch {
        rotated = false;
      }
      if (rotated) {
        closeSync(fd);
        fd = openSync(path, "r");
        ino = fstatSync(fd).ino;
        offset = 0;
        rest = "";
        continue;
      }
      if (!(await isRunning())) {
        emit(readNew());
        return;
      }
    }
  } finally {
    closeSync(fd);
  }
}
