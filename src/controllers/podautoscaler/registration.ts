import { refFor } from "../refs.ts";
import type { ControllerRegistration } from "../types.ts";
import { HorizontalController } from "./horizontal.ts";

export const horizontalPodAutoscalerController: ControllerRegistration = {
  name: "horizontalpodautoscaling",
  create: (ctx) =>
    new HorizontalController({
      client: ctx.client,
      hpas: ctx.informers.for(refFor("autoscaling", "horizontalpodautoscalers")),
      clock: ctx.clock,
      logger: ctx.logger,
      recorder: ctx.recorder("horizontal-pod-autoscaler"),
      syncPeriodMs: ctx.options.hpaSyncPeriodMs,
      downscaleStabilizationMs: ctx.options.hpaDownscaleStabilizationMs,
    }),
};
