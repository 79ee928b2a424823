// What CRD rules cost a custom-object write in the server: validating a Widget with four rules
// (two on spec, one with a messageExpression, one on a string), cost pricing included, in
// process. Prints the median microseconds per object for docs/benchmarks.md.
// Run: node bench/cel-rules.ts [--rounds N] [--count N]
import { celErrors, type CelSchema } from "../src/apiserver/crd/cel-validation.ts";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const rounds = arg("rounds", 5);
const count = arg("count", 20000);

const spec: CelSchema = {
  type: "object",
  "x-kubernetes-validations": [
    { rule: "self.minReplicas <= self.replicas" },
    { rule: "self.replicas <= self.maxReplicas", messageExpression: "'replicas ' + string(self.replicas)" },
  ],
  properties: {
    replicas: { type: "integer" },
    minReplicas: { type: "integer" },
    maxReplicas: { type: "integer" },
    name: { type: "string", "x-kubernetes-validations": [{ rule: "self.startsWith('w')" }] },
  },
};
const schema: CelSchema = { type: "object", properties: { spec } };
const widget = () => ({ spec: { replicas: 2, minReplicas: 1, maxReplicas: 3, name: "wa" } });

const times: number[] = [];
for (let r = 0; r < rounds; r++) {
  const t = performance.now();
  for (let i = 0; i < count; i++)
    if (celErrors(widget(), undefined, schema, "").length) throw new Error("invalid");
  times.push(((performance.now() - t) / count) * 1000);
}
times.sort((a, b) => a - b);
console.log(
  `| CEL rules, 4 rules per Widget | ${times[Math.floor(times.length / 2)]!.toFixed(1)} µs per object |`,
);
