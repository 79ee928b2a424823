import assert from "node:assert/strict";
import { test } from "node:test";
import { mountsUnder } from "./mounts.ts";

const mountinfo = [
  "22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
  "40 22 0:35 / /data/agent/pods/u1/volumes/kubernetes.io~secret/creds rw - tmpfs tmpfs rw",
  "41 22 0:36 / /data/agent/pods/u1/volumes/kubernetes.io~empty-dir/my\\040cache rw - tmpfs tmpfs rw",
  "42 22 0:37 / /data/agent/pods-other rw - tmpfs tmpfs rw",
  "43 40 0:38 / /data/agent/pods/u1/volumes/kubernetes.io~secret/creds/nested rw - tmpfs tmpfs rw",
].join("\n");

test("mounts under a folder: deepest first, names unescaped, neighbours with the same prefix left alone", () => {
  assert.deepEqual(mountsUnder("/data/agent/pods/", mountinfo), [
    "/data/agent/pods/u1/volumes/kubernetes.io~secret/creds/nested",
    "/data/agent/pods/u1/volumes/kubernetes.io~empty-dir/my cache",
    "/data/agent/pods/u1/volumes/kubernetes.io~secret/creds",
  ]);
  assert.deepEqual(mountsUnder("/elsewhere", mountinfo), []);
});
