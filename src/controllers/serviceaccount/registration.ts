import { refFor } from "../refs.ts";
import type { ControllerRegistration } from "../types.ts";
import { RootCaPublisher, ServiceAccountsController } from "./namespace-defaults.ts";
import { TokensController } from "./tokens-controller.ts";

export const serviceAccountControllers: ControllerRegistration[] = [
  {
    name: "serviceaccount",
    create: (ctx) =>
      new ServiceAccountsController({
        client: ctx.client,
        namespaces: ctx.informers.for(refFor("", "namespaces")),
        objects: ctx.informers.for(refFor("", "serviceaccounts")),
        logger: ctx.logger,
      }),
  },
  {
    name: "root-ca-cert-publisher",
    create: (ctx) =>
      new RootCaPublisher(
        {
          client: ctx.client,
          namespaces: ctx.informers.for(refFor("", "namespaces")),
          objects: ctx.informers.for(refFor("", "configmaps")),
          logger: ctx.logger,
        },
        ctx.options.rootCaPem ?? "",
      ),
  },
  {
    name: "serviceaccount-token",
    create: (ctx) =>
      new TokensController({
        client: ctx.client,
        secrets: ctx.informers.for(refFor("", "secrets")),
        caPem: ctx.options.rootCaPem ?? "",
        issue: ctx.options.issueLegacyToken ?? (() => ""),
        logger: ctx.logger,
      }),
  },
];
