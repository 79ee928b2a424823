import { realClock } from "../../util/clock.ts";
import { runtimeContract } from "./runtime-contract.ts";
import { SimulatedCri } from "./simulated-cri.ts";

// The simulated registry serves the book's images and nothing else.
const served = /^docker\.io\/luksa\/(kubia|batch-job):latest$/;

runtimeContract("simulated CRI", () =>
  Promise.resolve({
    runtime: new SimulatedCri({ clock: realClock, registry: (ref) => served.test(ref) }),
    kubia: "luksa/kubia",
    batchJob: "luksa/batch-job",
    batchSeconds: 1,
    missing: "luksa/no-such-image:1",
    close: () => Promise.resolve(),
  }),
);
