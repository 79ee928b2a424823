// autoscaling/v1 HorizontalPodAutoscalers through autoscaling/v2 (pkg/apis/autoscaling/v1
// conversion.go): v1's targetCPUUtilizationPercentage is v2's cpu Resource metric; the metrics
// v1 cannot express are kept in the annotation upstream keeps them in.
type Obj = Record<string, any>;

const metricsAnnotation = "autoscaling.alpha.kubernetes.io/metrics";
const currentMetricsAnnotation = "autoscaling.alpha.kubernetes.io/current-metrics";
const conditionsAnnotation = "autoscaling.alpha.kubernetes.io/conditions";

const isCpuUtilization = (m: Obj) =>
  m.type === "Resource" && m.resource?.name === "cpu" && m.resource?.target?.type === "Utilization";

export function hpaV1ToV2(obj: Obj): Obj {
  const spec = obj.spec ?? {};
  const annotations: Obj = { ...obj.metadata?.annotations };
  const metrics: Obj[] = [];
  if (typeof spec.targetCPUUtilizationPercentage === "number")
    metrics.push({
      type: "Resource",
      resource: {
        name: "cpu",
        target: { type: "Utilization", averageUtilization: spec.targetCPUUtilizationPercentage },
      },
    });
  if (annotations[metricsAnnotation]) {
    try {
      metrics.push(...(JSON.parse(annotations[metricsAnnotation]) as Obj[]));
    } catch {
      // An unreadable annotation is dropped, as upstream's conversion ignores it.
    }
  }
  delete annotations[metricsAnnotation];
  delete annotations[currentMetricsAnnotation];
  delete annotations[conditionsAnnotation];
  const { targetCPUUtilizationPercentage: _t, ...rest } = spec;
  const out: Obj = { ...obj, spec: { ...rest, ...(metrics.length ? { metrics } : {}) } };
  out.metadata = { ...obj.metadata };
  if (Object.keys(annotations).length) out.metadata.annotations = annotations;
  else delete out.metadata.annotations;
  if (obj.status) {
    const { currentCPUUtilizationPercentage: cur, ...st } = obj.status;
    out.status = { ...st };
    if (typeof cur === "number")
      out.status.currentMetrics = [
        { type: "Resource", resource: { name: "cpu", current: { averageUtilization: cur } } },
      ];
  }
  return out;
}

export function hpaV2ToV1(obj: Obj): Obj {
  const spec = obj.spec ?? {};
  const { metrics = [], behavior: _b, ...rest } = spec;
  const cpu = (metrics as Obj[]).find(isCpuUtilization);
  const others = (metrics as Obj[]).filter((m) => m !== cpu);
  const out: Obj = { ...obj, spec: { ...rest } };
  if (cpu) out.spec.targetCPUUtilizationPercentage = cpu.resource.target.averageUtilization;
  const annotations: Obj = { ...obj.metadata?.annotations };
  if (others.length) annotations[metricsAnnotation] = JSON.stringify(others);
  if (obj.status) {
    const { currentMetrics = [], conditions, ...st } = obj.status;
    out.status = { ...st };
    const current = (currentMetrics as Obj[]).find(
      (m) => m.type === "Resource" && m.resource?.name === "cpu",
    );
    if (typeof current?.resource?.current?.averageUtilization === "number")
      out.status.currentCPUUtilizationPercentage = current.resource.current.averageUtilization;
    if (conditions?.length) annotations[conditionsAnnotation] = JSON.stringify(conditions);
    if ((currentMetrics as Obj[]).length)
      annotations[currentMetricsAnnotation] = JSON.stringify(currentMetrics);
  }
  out.metadata = { ...obj.metadata };
  if (Object.keys(annotations).length) out.metadata.annotations = annotations;
  return out;
}
