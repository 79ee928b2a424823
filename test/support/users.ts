// Kubeconfigs for other users of a test server: a client certificate for CN=user, O=group… signed
// with the server's CA by openssl, as an administrator would issue one.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";

export function userKubeconfig(
  dataDir: string,
  adminKubeconfig: string,
  user: string,
  groups: string[] = [],
): string {
  const dir = mkdtempSync(join(tmpdir(), "skiff-user-"));
  const key = join(dir, "user.key");
  const csr = join(dir, "user.csr");
  const crt = join(dir, "user.crt");
  const subject = `/CN=${user}${groups.map((g) => `/O=${g}`).join("")}`;
  execFileSync(
    "openssl",
    ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"].concat([
      "-keyout",
      key,
      "-subj",
      subject,
      "-out",
      csr,
    ]),
    { stdio: "ignore" },
  );
  execFileSync(
    "openssl",
    [
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      join(dataDir, "tls", "ca.crt"),
      "-CAkey",
      join(dataDir, "tls", "ca.key"),
    ].concat(["-CAcreateserial", "-CAserial", join(dir, "ca.srl"), "-days", "1", "-out", crt]),
    { stdio: "ignore" },
  );
  const kc = parse(readFileSync(adminKubeconfig, "utf8")) as {
    users: Array<{ name: string; user: Record<string, string> }>;
  };
  kc.users[0]!.user = {
    "client-certificate-data": readFileSync(crt).toString("base64"),
    "client-key-data": readFileSync(key).toString("base64"),
  };
  const path = join(dir, "kubeconfig.yaml");
  writeFileSync(path, stringify(kc), { mode: 0o600 });
  return path;
}
