// Manifests from Kubernetes in Action (see shared/reference/learner-journeys.md), written as tests need them.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** A function that writes named manifests into dir and returns their paths. */
export function manifestsIn(dir: string): (name: string, text: string) => string {
  return (name, text) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
}

export const KUBIA_RC = `apiVersion: v1
kind: ReplicationController
metadata:
  name: kubia
spec:
  replicas: 3
  selector:
    app: kubia
  template:
    metadata:
      labels:
        app: kubia
    spec:
      containers:
      - name: kubia
        image: luksa/kubia
        ports:
        - containerPort: 8080
`;

export const KUBIA_REPLICASET = `apiVersion: apps/v1beta2
kind: ReplicaSet
metadata:
  name: kubia
spec:
  replicas: 3
  selector:
    matchLabels:
      app: kubia
  template:
    metadata:
      labels:
        app: kubia
    spec:
      containers:
      - name: kubia
        image: luksa/kubia
`;

/** A Node the server runs itself (skiff's simulated nodes), as a learner would apply it. */
export const simulatedNode = (name: string): string => `apiVersion: v1
kind: Node
metadata:
  name: ${name}
  annotations:
    skiff.dev/simulated: "true"
`;
