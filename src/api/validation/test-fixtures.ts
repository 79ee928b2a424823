// Valid, defaulted learner objects for the validation tests; each test breaks one thing.
import { fieldErrorMessage, type FieldError } from "../../apimachinery/field-error.ts";
import { applyDefaults, applyJobSelector } from "../defaults/index.ts";

export function messages(errs: FieldError[]): string[] {
  return errs.map(fieldErrorMessage);
}

function defaulted<T>(group: string, kind: string, obj: T): T {
  applyDefaults(group, kind, obj);
  return obj;
}

export function pod(mutate: (p: any) => void = () => {}): any {
  const p: any = {
    metadata: { name: "kubia-manual", namespace: "default" },
    spec: {
      containers: [
        { name: "kubia", image: "luksa/kubia", ports: [{ containerPort: 8080, protocol: "TCP" }] },
      ],
    },
  };
  mutate(p);
  return defaulted("", "Pod", p);
}

export function storedPod(mutate: (p: any) => void = () => {}): any {
  return pod((p) => {
    p.metadata.uid = "uid-1";
    p.metadata.resourceVersion = "5";
    p.metadata.creationTimestamp = "2024-05-01T10:00:00Z";
    mutate(p);
  });
}

const template = (labels: Record<string, string>) => ({
  metadata: { labels },
  spec: { containers: [{ name: "kubia", image: "luksa/kubia", ports: [{ containerPort: 8080 }] }] },
});

export function rc(mutate: (o: any) => void = () => {}): any {
  const o: any = {
    metadata: { name: "kubia", namespace: "default" },
    spec: { replicas: 3, selector: { app: "kubia" }, template: template({ app: "kubia" }) },
  };
  mutate(o);
  return defaulted("", "ReplicationController", o);
}

export function replicaSet(mutate: (o: any) => void = () => {}): any {
  const o: any = {
    metadata: { name: "kubia", namespace: "default" },
    spec: { replicas: 3, selector: { matchLabels: { app: "kubia" } }, template: template({ app: "kubia" }) },
  };
  mutate(o);
  return defaulted("apps", "ReplicaSet", o);
}

export function deployment(mutate: (o: any) => void = () => {}): any {
  const o: any = {
    metadata: { name: "kubia", namespace: "default" },
    spec: { selector: { matchLabels: { app: "kubia" } }, template: template({ app: "kubia" }) },
  };
  mutate(o);
  return defaulted("apps", "Deployment", o);
}

export function daemonSet(mutate: (o: any) => void = () => {}): any {
  const o: any = {
    metadata: { name: "ssd-monitor", namespace: "default" },
    spec: { selector: { matchLabels: { app: "ssd-monitor" } }, template: template({ app: "ssd-monitor" }) },
  };
  mutate(o);
  return defaulted("apps", "DaemonSet", o);
}

export function job(mutate: (o: any) => void = () => {}): any {
  const o: any = {
    metadata: { name: "batch-job", namespace: "default", uid: "uid-9" },
    spec: {
      template: {
        metadata: { labels: { app: "batch-job" } },
        spec: { restartPolicy: "OnFailure", containers: [{ name: "main", image: "luksa/batch-job" }] },
      },
    },
  };
  mutate(o);
  applyDefaults("batch", "Job", o);
  applyJobSelector(o);
  return o;
}

export function cronJob(mutate: (o: any) => void = () => {}): any {
  const o: any = {
    metadata: { name: "batch-job-every-fifteen-minutes", namespace: "default" },
    spec: {
      schedule: "0,15,30,45 * * * *",
      jobTemplate: {
        spec: {
          template: {
            metadata: { labels: { app: "periodic-batch-job" } },
            spec: { restartPolicy: "OnFailure", containers: [{ name: "main", image: "luksa/batch-job" }] },
          },
        },
      },
    },
  };
  mutate(o);
  return defaulted("batch", "CronJob", o);
}

export function service(mutate: (o: any) => void = () => {}): any {
  const o: any = {
    metadata: { name: "kubia", namespace: "default" },
    spec: { selector: { app: "kubia" }, ports: [{ port: 80, targetPort: 8080 }] },
  };
  mutate(o);
  return defaulted("", "Service", o);
}

/** Turns a fresh object into what storage holds, for update tests. */
export function stored<T extends { metadata: any }>(o: T): T {
  o.metadata.uid ??= "uid-1";
  o.metadata.resourceVersion = "5";
  o.metadata.creationTimestamp = "2024-05-01T10:00:00Z";
  return o;
}

export function clone<T>(o: T): T {
  return structuredClone(o);
}
