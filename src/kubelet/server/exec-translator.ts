import type { Duplex } from "node:stream";
import { SpdyClientSession, type SpdyStream } from "../../util/streams/spdy.ts";
import type { WsConnection } from "../../util/streams/websocket.ts";

// remotecommand v5 channels (k8s.io/apimachinery/pkg/util/remotecommand).
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

const success = Buffer.from(JSON.stringify({ metadata: {}, status: "Success" }));

/**
 * Bridges a v5.channel.k8s.io WebSocket (kubectl 1.30 and later) to the CRI streaming server's
 * SPDY v4 protocol, as upstream's API server StreamTranslator does: channel bytes become SPDY
 * streams, the v5 close signal half-closes stdin, and the error stream's Status ends the session.
 */
export function translateExec(ws: WsConnection, upstream: Duplex, rest: Buffer, opts: StreamOptions): void {
  const session = new SpdyClientSession(upstream, rest);
  const errorStream = session.open({ streamtype: "error" });
  const stdin = opts.stdin ? session.open({ streamtype: "stdin" }) : undefined;
  const stdout = opts.stdout ? session.open({ streamtype: "stdout" }) : undefined;
  const stderr = opts.stderr && !opts.tty ? session.open({ streamtype: "stderr" }) : undefined;
  const resize = opts.tty ? session.open({ streamtype: "resize" }) : undefined;
  const outputs = [stdout, stderr].filter((s): s is SpdyStream => !!s);
  const pipeOut = (s: SpdyStream | undefined, channel: number) => {
    if (!s) return;
    s.onData = (d) => ws.send(Buffer.concat([Buffer.from([channel]), d]));
  };
  pipeOut(stdout, STDOUT);
  pipeOut(stderr, STDERR);
  const errors: Buffer[] = [];
  errorStream.onData = (d) => errors.push(d);
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    const status = errors.length ? Buffer.concat(errors) : success;
    ws.send(Buffer.concat([Buffer.from([ERROR]), status]));
    ws.close(1000);
    session.close();
  };
  errorStream.onEnd = () => {
    // The process is done; what it printed last may still be on its way.
    if (outputs.every((s) => s.ended)) return finish();
    for (const s of outputs) s.onEnd = () => outputs.every((o) => o.ended) && finish();
    setTimeout(finish, 2000).unref();
  };
  ws.onMessage = (data) => {
    if (!data.length) return;
    const channel = data[0];
    const payload = data.subarray(1);
    if (channel === STDIN && stdin) session.send(stdin, payload);
    else if (channel === RESIZE && resize) session.send(resize, payload);
    else if (channel === CLOSE && payload[0] === STDIN && stdin) session.send(stdin, Buffer.alloc(0), true);
  };
  ws.onClose = () => session.close();
  session.onClose = () => {
    if (!finished && !errorStream.ended) {
      finished = true;
      ws.close(1000);
    }
  };
}

/** kubectl 1.31+'s port-forward tunnel: SPDY bytes inside WebSocket messages, passed through as they are. */
export function bridgeTunnel(ws: WsConnection, upstream: Duplex, rest: Buffer): void {
  if (rest.length) ws.send(rest);
  upstream.on("data", (d: Buffer) => ws.send(d));
  upstream.resume();
  ws.onMessage = (d) => upstream.write(d);
  const end = () => {
    upstream.destroy();
    ws.close(1000);
  };
  upstream.on("close", end);
  upstream.on("error", end);
  ws.onClose = () => upstream.destroy();
}
