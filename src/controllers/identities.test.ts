import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from "../apiserver/auth/bootstrap-roles.ts";
import { controllers } from "./all.ts";
import { CONTROLLER_MANAGER_USER, identityFor, SCHEDULER_USER } from "./identities.ts";

describe("component identities", () => {
  it("gives every controller an identity whose role and binding the bootstrap policy holds", () => {
    for (const { name } of controllers) {
      const id = identityFor(name);
      const binding = bootstrapClusterRoleBindings.find((b) =>
        b.subjects.some((s) =>
          id.serviceAccount
            ? s.kind === "ServiceAccount" && s.name === id.serviceAccount && s.namespace === "kube-system"
            : s.kind === "User" && s.name === id.name,
        ),
      );
      assert.ok(binding, `${name} (${id.name}) is bound to a role`);
      assert.ok(
        bootstrapClusterRoles.some((r) => r.name === binding.role),
        `${binding.role} exists`,
      );
    }
  });

  it("names service-account users as upstream's authenticator does", () => {
    assert.deepEqual(identityFor("replicaset"), {
      name: "system:serviceaccount:kube-system:replicaset-controller",
      groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
      serviceAccount: "replicaset-controller",
    });
    assert.equal(identityFor("scheduler").name, SCHEDULER_USER);
    // The legacy tokens controller runs with the manager's own credentials, as upstream's.
    assert.equal(identityFor("serviceaccount-token").name, CONTROLLER_MANAGER_USER);
    for (const { name } of controllers)
      assert.ok(!identityFor(name).groups.includes("system:masters"), `${name} is not in system:masters`);
  });
});
