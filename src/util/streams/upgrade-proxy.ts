// Proxying upgraded HTTP connections (exec, attach, port-forward) byte for byte, as upstream's
// UpgradeAwareHandler does between kubectl, the API server, the kubelet and the CRI streaming server.
import type { IncomingHttpHeaders } from "node:http";
import type { Duplex } from "node:stream";

// Hop-by-hop or credential headers that must not travel to the next hop.
const dropped = new Set([
  "host",
  "authorization",
  "proxy-authorization",
  "impersonate-user",
  "impersonate-group",
  "content-length",
]);

/** The request line and headers to send upstream (the connection and upgrade headers kept). */
export function upgradeRequestHead(
  method: string,
  path: string,
  host: string,
  headers: IncomingHttpHeaders,
): string {
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${host}`];
  for (const [k, v] of Object.entries(headers)) {
    if (dropped.has(k.toLowerCase()) || v === undefined) continue;
    for (const value of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${value}`);
  }
  return lines.join("\r\n") + "\r\n\r\n";
}

/** Sends the request upstream and splices the two connections together until either side ends. */
export function spliceUpgrade(
  client: Duplex,
  clientHead: Buffer,
  upstream: Duplex,
  requestHead: string,
): void {
  upstream.write(requestHead);
  if (clientHead.length) upstream.write(clientHead);
  client.pipe(upstream);
  upstream.pipe(client);
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", end);
  upstream.on("error", end);
  client.on("close", end);
  upstream.on("close", end);
}

/** A plain HTTP error on a socket that asked for an upgrade (a Status body, so kubectl shows its message). */
export function rejectUpgrade(socket: Duplex, code: number, status: unknown): void {
  const body = JSON.stringify(status);
  const reasons: Record<number, string> = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    500: "Internal Server Error",
    502: "Bad Gateway",
  };
  socket.end(
    `HTTP/1.1 ${code} ${reasons[code] ?? "Error"}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Sends an upgrade request and reads the response head. On 101 the socket is handed back with any
 * bytes that came after the head; otherwise the status and body are answered.
 */
export function requestUpgrade(
  upstream: Duplex,
  requestHead: string,
): Promise<{ status: number; rest: Buffer; body: string; headers: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let head: { status: number; headers: Record<string, string>; at: number } | undefined;
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!head) {
        const at = buf.indexOf("\r\n\r\n");
        if (at < 0) return;
        const lines = buf.subarray(0, at).toString("latin1").split("\r\n");
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0])?.[1] ?? 0);
        const headers: Record<string, string> = {};
        for (const l of lines.slice(1)) {
          const i = l.indexOf(":");
          if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
        }
        head = { status, headers, at: at + 4 };
        if (status === 101) {
          upstream.off("data", onData);
          upstream.off("end", onEnd);
          upstream.pause();
          resolve({ status, rest: buf.subarray(head.at), body: "", headers });
          return;
        }
      }
      const length = Number(head.headers["content-length"] ?? NaN);
      if (!Number.isNaN(length) && buf.length - head.at >= length) finish();
    };
    const finish = () => {
      upstream.off("data", onData);
      upstream.destroy();
      if (!head) return reject(new Error("connection closed before a response"));
      resolve({
        status: head.status,
        rest: Buffer.alloc(0),
        body: buf.subarray(head.at).toString(),
        headers: head.headers,
      });
    };
    const onEnd = () => finish();
    upstream.on("data", onData);
    upstream.on("end", onEnd);
    upstream.once("error", reject);
    upstream.write(requestHead);
  });
}
