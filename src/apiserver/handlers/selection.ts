import type { KObject } from "../../apimachinery/meta.ts";
import {
  checkFieldSelector,
  fieldMatches,
  matches,
  parseFieldSelector,
  parseLabelSelector,
} from "../../apimachinery/selectors/index.ts";
import { selectableFields, supportedFieldLabels } from "../registry/fields.ts";
import type { RequestScope } from "./scope.ts";

/** The labelSelector and fieldSelector of a list, watch or deletecollection as one predicate. */
export function selectionFilter(scope: RequestScope): ((obj: KObject) => boolean) | undefined {
  const ls = scope.query.get("labelSelector");
  const fs = scope.query.get("fieldSelector");
  const labelSel = ls ? parseLabelSelector(ls) : undefined;
  const fieldSel = fs ? parseFieldSelector(fs) : undefined;
  if (fieldSel) {
    checkFieldSelector(fieldSel, [...supportedFieldLabels(scope.info)]);
  }
  if (!labelSel && !fieldSel) return undefined;
  const info = scope.info;
  return (obj) => {
    if (labelSel && !matches(labelSel, obj.metadata?.labels)) return false;
    if (fieldSel && !fieldMatches(fieldSel, selectableFields(info, obj))) return false;
    return true;
  };
}
