// Kubernetes' CEL format library (k8s.io/apiserver/pkg/cel/library/format.go):
// `format.dns1123Label().validate(s)` and the other named formats, and `format.named(name)`.
// validate() gives optional.none() when the value is valid and the list of what is wrong
// otherwise, in the words apimachinery's validators use.
import { CelScalar, celFunc, celList, celMethod, type CelFunc } from "@bufbuild/cel";
import {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
} from "../../../api/validation/formats.ts";
import { OPTIONAL_TYPE, none, of } from "../optional.ts";
import { NAMED_FORMAT, T, make, textOf } from "../types.ts";
import { base64Error, requestURIError, timeError, uuidError } from "./go-parsers.ts";

const one = (e: string | undefined) => (e === undefined ? [] : [e]);

const FORMATS: Record<string, (s: string) => string[]> = {
  dns1123Label: isDNS1123Label,
  dns1123Subdomain: isDNS1123Subdomain,
  dns1035Label: isDNS1035Label,
  qualifiedName: isQualifiedName,
  dns1123LabelPrefix: (s) => nameIsDNSLabel(s, true),
  dns1123SubdomainPrefix: (s) => nameIsDNSSubdomain(s, true),
  dns1035LabelPrefix: (s) => nameIsDNS1035Label(s, true),
  labelValue: isValidLabelValue,
  uri: (s) => one(requestURIError(s)),
  uuid: (s) => one(uuidError(s)),
  byte: (s) => one(base64Error(s)),
  date: (s) => one(timeError(s, false)),
  datetime: (s) => one(timeError(s, true)),
};

export const formatFuncs: CelFunc[] = [
  ...Object.keys(FORMATS).map((name) =>
    celFunc(`format.${name}`, [], T.namedFormat, () => make(NAMED_FORMAT, name)),
  ),
  celFunc("format.named", [CelScalar.STRING], OPTIONAL_TYPE, (name: string) =>
    Object.hasOwn(FORMATS, name) ? of(make(NAMED_FORMAT, name)) : none(),
  ),
  celMethod(
    "validate",
    T.namedFormat,
    [CelScalar.STRING],
    OPTIONAL_TYPE,
    function (this: unknown, s: string) {
      const errs = FORMATS[textOf(this)]?.(s) ?? [];
      return errs.length ? of(celList(errs)) : none();
    },
  ),
];
