// A TCP host port of the userspace proxy: each connection piped to a ready endpoint, the next one
// tried when an endpoint refuses or does not answer.
import { connect, createServer, type Server, type Socket } from "node:net";
import { EndpointPicker, type HostListener, type Route } from "./userspace-route.ts";

export class TcpPortListener implements HostListener {
  private route: Route;
  private readonly server: Server;
  private readonly picker = new EndpointPicker();
  private readonly sockets = new Set<Socket>();
  private readonly timeoutMs: number;

  constructor(route: Route, timeoutMs: number) {
    this.route = route;
    this.timeoutMs = timeoutMs;
    this.server = createServer((s) => this.accept(s));
  }

  update(route: Route): void {
    this.route = route;
  }

  listen(port: number, address: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, address, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
  }

  close(): void {
    this.server.close();
    for (const s of this.sockets) s.destroy();
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.on("close", () => this.sockets.delete(s));
  }

  private accept(client: Socket): void {
    this.track(client);
    client.on("error", () => client.destroy());
    client.pause();
    const remote = client.remoteAddress ?? "";
    const route = this.route;
    const candidate = this.picker.candidates(route, remote);
    const attempt = (i: number): void => {
      const ep = candidate(i);
      if (!ep) {
        // As kube-proxy's REJECT for a service with no endpoints: the connection is refused.
        client.resetAndDestroy();
        return;
      }
      const up = connect(ep.port, ep.ip);
      up.setTimeout(this.timeoutMs, () => up.destroy(new Error("connect timed out")));
      this.track(up);
      up.once("connect", () => {
        up.setTimeout(0);
        up.setNoDelay(true);
        this.picker.reached(route, remote, ep);
        up.pipe(client);
        client.pipe(up);
        client.resume();
        client.on("close", () => up.destroy());
        up.on("close", () => client.destroy());
      });
      up.on("error", () => {
        if (up.connecting || up.bytesRead + up.bytesWritten === 0) attempt(i + 1);
        else client.destroy();
      });
    };
    attempt(0);
  }
}
