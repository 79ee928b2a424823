import { execFile } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeProtobufObject } from "./index.ts";

/** One POST as kubectl sent it. */
export interface RecordedPost {
  path: string;
  contentType: string;
  body: Buffer;
}

export interface KubectlRun {
  posts: RecordedPost[];
  stdout: string;
  stderr: string;
  code: number;
}

export const KUBECTL_DIR = "/usr/lib/google-cloud-sdk/bin";

const create = (...args: string[]): string[] => ["create", ...args, "--validate=false"];

/**
 * The commands whose request bodies are captured as fixtures, keyed by fixture name. kubectl 1.32
 * sends each as protobuf; 1.31 sends the same object as JSON. Commands that need discovery
 * (role, clusterrole, job --from) are left out: the capture server answers only /version.
 */
export const CREATE_COMMANDS: Record<string, string[]> = {
  deployment: create("deployment", "web", "--image=nginx", "--replicas=2", "--port=80"),
  "deployment-multi": create("deployment", "multi", "--image=nginx:1.27", "--image=busybox", "-n", "team"),
  namespace: create("namespace", "x"),
  configmap: create("configmap", "c", "--from-literal=a=b"),
  "configmap-many": create(
    "configmap",
    "many",
    "--from-literal=a=b",
    "--from-literal=empty=",
    "--append-hash",
  ),
  "secret-generic": create("secret", "generic", "s", "--from-literal=k=v", "--type=Opaque"),
  "secret-docker-registry": create(
    "secret",
    "docker-registry",
    "reg",
    "--docker-server=r.example.com",
    "--docker-username=u",
    "--docker-password=p",
  ),
  "service-clusterip": create("service", "clusterip", "ci", "--tcp=5678:8080"),
  "service-headless": create("service", "clusterip", "headless", "--clusterip=None"),
  "service-nodeport": create("service", "nodeport", "n", "--tcp=80:8080", "--node-port=30080"),
  "service-loadbalancer": create("service", "loadbalancer", "lb", "--tcp=443:8443", "--tcp=80"),
  "service-externalname": create("service", "externalname", "ext", "--external-name=example.com"),
  job: create("job", "j", "--image=busybox", "--", "echo", "hi"),
  cronjob: create("cronjob", "cj", "--image=busybox", "--schedule=*/1 * * * *", "--restart=Never"),
  quota: create("quota", "q", "--hard=cpu=1,memory=1Gi,pods=10", "--scopes=BestEffort"),
  serviceaccount: create("serviceaccount", "sa"),
  rolebinding: create(
    "rolebinding",
    "rb",
    "--role=r",
    "--user=u",
    "--serviceaccount=default:sa",
    "--group=g",
  ),
  clusterrolebinding: create("clusterrolebinding", "crb", "--clusterrole=cr", "--user=u"),
  pdb: create("pdb", "p", "--selector=app=x", "--min-available=50%"),
  priorityclass: create("priorityclass", "pc", "--value=10", "--global-default", "--description=d"),
  ingress: create(
    "ingress",
    "ing",
    "--rule=foo.com/bar*=svc1:8080,tls=my-cert",
    "--class=nginx",
    "--default-backend=def:http",
  ),
  token: [
    "create",
    "token",
    "sa",
    "--duration=10m",
    "--audience=a",
    "--bound-object-kind=Pod",
    "--bound-object-name=p",
  ],
};

/** Echo for the capture server: the object itself, so kubectl prints "<kind>/<name> created". */
export function echoObject(post: RecordedPost): Record<string, unknown> {
  if (post.contentType.startsWith("application/json"))
    return JSON.parse(post.body.toString()) as Record<string, unknown>;
  return decodeProtobufObject(post.body);
}

/**
 * Runs a real kubectl of the given minor version against a throwaway plain-HTTP server that
 * answers /version and echoes each POST back with 201, so the request bodies can be inspected.
 * `echo` turns a recorded body into the JSON object returned (kubectl prints "<kind>/<name> created").
 */
export async function runKubectl(
  minor: number,
  args: string[],
  echo: (post: RecordedPost) => Record<string, unknown>,
): Promise<KubectlRun> {
  const posts: RecordedPost[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      res.setHeader("Content-Type", "application/json");
      if (req.method === "GET" && path.startsWith("/version")) {
        res.end(JSON.stringify({ major: "1", minor: String(minor), gitVersion: `v1.${minor}.0` }));
        return;
      }
      if (req.method === "POST") {
        const post = { path, contentType: req.headers["content-type"] ?? "", body: Buffer.concat(chunks) };
        posts.push(post);
        let reply: Record<string, unknown>;
        try {
          reply = echo(post);
        } catch {
          reply = {};
        }
        res.statusCode = 201;
        res.end(JSON.stringify(reply));
        return;
      }
      res.statusCode = 404;
      res.end(
        JSON.stringify({
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          reason: "NotFound",
          code: 404,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const full = [`--server=http://127.0.0.1:${port}`, "--kubeconfig=/dev/null", ...args];
    const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number }>(
      (resolve) => {
        execFile(
          `${KUBECTL_DIR}/kubectl.1.${minor}`,
          full,
          {
            env: { ...process.env, HOME: "/tmp/skiff-protobuf-kubectl-home", KUBECONFIG: "/dev/null" },
            timeout: 60_000,
          },
          (err, so, se) =>
            resolve({ stdout: so, stderr: se, code: err ? ((err as { code?: number }).code ?? 1) : 0 }),
        );
      },
    );
    return { posts, stdout, stderr, code };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
