import { refFor } from "../refs.ts";
import type { ControllerRegistration } from "../types.ts";
import { ClusterRoleAggregationController } from "./controller.ts";

export const clusterRoleAggregationController: ControllerRegistration = {
  name: "clusterrole-aggregation",
  create: (ctx) =>
    new ClusterRoleAggregationController({
      client: ctx.client,
      clusterRoles: ctx.informers.for(refFor("rbac.authorization.k8s.io", "clusterroles")),
      logger: ctx.logger,
    }),
};
