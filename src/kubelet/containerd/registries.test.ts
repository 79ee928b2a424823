import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadRegistries, RegistriesError, writeHostsToml } from "./registries.ts";

const withDir = (fn: (dir: string) => void) => {
  const dir = mkdtempSync(join(tmpdir(), "skiff-registries-"));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

test("a docker.io mirror becomes hosts.toml with the mirror first and Docker Hub as the server", () =>
  withDir((dir) => {
    const file = join(dir, "registries.yaml");
    writeFileSync(
      file,
      'mirrors:\n  docker.io:\n    endpoint:\n      - "http://10.0.0.5:5000"\nconfigs:\n  "10.0.0.5:5000":\n    auth:\n      username: u\n      password: p\n    tls:\n      insecure_skip_verify: true\n',
    );
    const auths = writeHostsToml(join(dir, "certs.d"), loadRegistries(file));
    const toml = readFileSync(join(dir, "certs.d", "docker.io", "hosts.toml"), "utf8");
    assert.match(toml, /^server = "https:\/\/registry-1\.docker\.io"$/m);
    assert.match(
      toml,
      /^\[host\."http:\/\/10\.0\.0\.5:5000"\]\n {2}capabilities = \["pull", "resolve"\]\n {2}skip_verify = true$/m,
    );
    assert.deepEqual(auths, { "10.0.0.5:5000": { username: "u", password: "p" } });
  }));

test("no registries.yaml is no configuration; a broken one is refused with the file's name", () =>
  withDir((dir) => {
    assert.deepEqual(loadRegistries(join(dir, "missing.yaml")), { mirrors: {}, configs: {} });
    const bad = join(dir, "registries.yaml");
    writeFileSync(bad, "mirrors: [1, 2");
    assert.throws(
      () => loadRegistries(bad),
      (e: Error) => e instanceof RegistriesError && e.message.startsWith(bad),
    );
    writeFileSync(bad, 'mirrors:\n  docker.io:\n    endpoint: ["ftp://x"]\n');
    assert.throws(() => loadRegistries(bad), /invalid URL "ftp:\/\/x"/);
  }));
