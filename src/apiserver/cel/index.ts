// The CEL environment Kubernetes gives its expressions (CRD rules, webhook match conditions):
// the standard library, strings, sets, optional values, and Kubernetes' own lists, regex, quantity,
// ip, cidr, url, format and authz.
import { celEnv, type CelEnv } from "@bufbuild/cel";
import { createRegistry } from "@bufbuild/protobuf";
import { authzFile, authzFuncs } from "./authz.ts";
import { strings } from "@bufbuild/cel/ext";
import { listAndRegexFuncs } from "./lists-regex.ts";
import { formatFuncs } from "./format/format.ts";
import { netFuncs } from "./net.ts";
import { optionalFile, optionalFuncs } from "./optional.ts";
import { quantityFuncs } from "./quantity.ts";
import { setsFuncs } from "./sets.ts";
import { celTypesRegistry } from "./types.ts";

export const kubernetesCelEnv: CelEnv = celEnv({
  funcs: [
    ...strings,
    ...listAndRegexFuncs,
    ...quantityFuncs,
    ...netFuncs,
    ...authzFuncs,
    ...optionalFuncs,
    ...formatFuncs,
    ...setsFuncs,
  ],
  registry: createRegistry(celTypesRegistry, authzFile, optionalFile),
});
