import { GarbageCollector } from "./garbagecollector/garbage-collector.ts";
import { NamespaceController } from "./namespace/namespace-controller.ts";
import type { ControllerRegistration } from "./types.ts";

// Every controller the manager runs. Add one entry per controller.
export const controllers: ControllerRegistration[] = [
  { name: "namespace", create: (ctx) => new NamespaceController({ client: ctx.client, logger: ctx.logger }) },
  {
    name: "garbagecollector",
    create: (ctx) => new GarbageCollector({ client: ctx.client, logger: ctx.logger }),
  },
];
