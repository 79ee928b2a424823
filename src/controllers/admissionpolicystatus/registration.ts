import { refFor } from "../refs.ts";
import type { ControllerRegistration } from "../types.ts";
import { AdmissionPolicyStatusController } from "./controller.ts";

export const admissionPolicyStatusController: ControllerRegistration = {
  name: "validatingadmissionpolicy-status",
  create: (ctx) =>
    new AdmissionPolicyStatusController({
      client: ctx.client,
      policies: ctx.informers.for(refFor("admissionregistration.k8s.io", "validatingadmissionpolicies")),
      logger: ctx.logger,
    }),
};
