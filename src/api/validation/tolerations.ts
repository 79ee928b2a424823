import { invalid, notSupported, required, type FieldError } from "../../apimachinery/field-error.ts";
import { asArray, asMap, idx, qualifiedName, str } from "./common.ts";
import { isValidLabelValue } from "./formats.ts";

export const taintEffects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

export function validateTaintEffect(effect: string, allowEmpty: boolean, path: string): FieldError[] {
  if (!allowEmpty && effect === "") return [required(path, "")];
  return taintEffects.includes(effect) ? [] : [notSupported(path, effect, taintEffects)];
}

// core/validation ValidateTolerations
export function validateTolerations(tolerations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  asArray(tolerations).forEach((t, i) => {
    const tol = asMap(t);
    const p = idx(path, i);
    const k = str(tol.key);
    const op = str(tol.operator);
    const value = str(tol.value);
    const effect = str(tol.effect);
    if (k) errs.push(...qualifiedName(k, `${p}.key`));
    if (!k && op !== "Exists")
      errs.push(
        invalid(
          `${p}.operator`,
          op,
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    if (tol.tolerationSeconds != null && effect !== "NoExecute")
      errs.push(invalid(`${p}.effect`, effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    switch (op) {
      case "Equal":
      case "": {
        const msgs = isValidLabelValue(value);
        if (msgs.length) errs.push(invalid(`${p}.operator`, value, msgs.join(";")));
        break;
      }
      case "Exists":
        if (value)
          errs.push(invalid(`${p}.operator`, value, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(notSupported(`${p}.operator`, op, ["Equal", "Exists"]));
    }
    if (effect) errs.push(...validateTaintEffect(effect, true, `${p}.effect`));
  });
  return errs;
}
