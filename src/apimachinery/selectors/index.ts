export {
  type LabelSelector,
  type MetaV1LabelSelector,
  type Operator,
  type Requirement,
  everything,
  isEverything,
  labelSelectorFromMetav1,
  labelSelectorFromSet,
  labelSelectorToString,
  matches,
  nothing,
  parseLabelSelector,
} from "./label-selector.ts";
export {
  type FieldRequirement,
  type FieldSelector,
  checkFieldSelector,
  escapeFieldValue,
  fieldMatches,
  fieldRequirements,
  fieldSelectorToString,
  isFieldSelectorEverything,
  parseFieldSelector,
} from "./field-selector.ts";
export { labelValueErrors, qualifiedNameErrors } from "./label-key.ts";
