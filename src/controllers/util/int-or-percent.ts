// intstr.GetScaledValueFromIntOrPercent, shared by the workload and disruption controllers.
export type IntOrPercent = number | string;

/** An int as it is, or a percentage of `total`, rounded up or down. */
export function scaledValue(v: IntOrPercent | undefined, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === "number") return v;
  const m = /^(-?\d+)%$/.exec(v);
  if (!m) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const scaled = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}
