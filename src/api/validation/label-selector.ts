import { forbidden, invalid, required, type FieldError } from "../../apimachinery/field-error.ts";
import { asArray, asMap, idx, qualifiedName, str, validateLabels } from "./common.ts";
import { isValidLabelValue } from "./formats.ts";

// apimachinery/pkg/apis/meta/v1/validation ValidateLabelSelector (strict label values).
export function validateLabelSelector(sel: unknown, path: string): FieldError[] {
  if (sel === undefined || sel === null) return [];
  const s = asMap(sel);
  const errs: FieldError[] = [...validateLabels(s.matchLabels, `${path}.matchLabels`)];
  asArray(s.matchExpressions).forEach((e, i) => {
    const p = idx(`${path}.matchExpressions`, i);
    const r = asMap(e);
    const values = asArray(r.values);
    switch (r.operator) {
      case "In":
      case "NotIn":
        if (values.length === 0)
          errs.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case "Exists":
      case "DoesNotExist":
        if (values.length > 0)
          errs.push(
            forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
          );
        break;
      default:
        errs.push(invalid(`${p}.operator`, str(r.operator), "not a valid selector operator"));
    }
    errs.push(...qualifiedName(str(r.key), `${p}.key`));
    values.forEach((v, j) => {
      for (const m of isValidLabelValue(String(v))) errs.push(invalid(idx(`${p}.values`, j), String(v), m));
    });
  });
  return errs;
}

export function selectorIsEmpty(sel: unknown): boolean {
  const s = asMap(sel);
  return Object.keys(asMap(s.matchLabels)).length + asArray(s.matchExpressions).length === 0;
}

/** metav1.LabelSelectorAsSelector + Matches. A nil selector matches nothing; an empty one everything. */
export function selectorMatches(sel: unknown, labels: unknown): boolean {
  if (sel === undefined || sel === null) return false;
  const s = asMap(sel);
  const l = asMap(labels);
  for (const [k, v] of Object.entries(asMap(s.matchLabels))) if (l[k] !== v) return false;
  for (const e of asArray(s.matchExpressions)) {
    const r = asMap(e);
    const k = str(r.key);
    const has = Object.hasOwn(l, k);
    const values = asArray(r.values).map(String);
    switch (r.operator) {
      case "In":
        if (!has || !values.includes(String(l[k]))) return false;
        break;
      case "NotIn":
        if (has && values.includes(String(l[k]))) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** labels.Set(m).AsSelector().Matches(labels) for map selectors (RC, Service). */
export function mapSelectorMatches(selector: unknown, labels: unknown): boolean {
  const l = asMap(labels);
  return Object.entries(asMap(selector)).every(([k, v]) => l[k] === v);
}
