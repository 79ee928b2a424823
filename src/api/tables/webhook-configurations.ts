// Mutating and validating webhook configurations: NAME, WEBHOOKS (their count) and AGE, as
// upstream's printers show them.
import { ageColumn, column, nameColumn } from "./columns.ts";
import { str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

export const webhookConfigurationPrinter: TablePrinter = {
  columns: [
    nameColumn,
    { ...column("Webhooks", "integer", "Webhooks indicates the number of webhooks in this configuration.") },
    ageColumn,
  ],
  cells(obj, now) {
    return [
      str(obj?.metadata?.name),
      Array.isArray(obj?.webhooks) ? obj.webhooks.length : 0,
      translateTimestampSince(obj?.metadata?.creationTimestamp, now),
    ];
  },
};

/** ValidatingAdmissionPolicy: NAME, VALIDATIONS, PARAMKIND, AGE. */
export const admissionPolicyPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column(
      "Validations",
      "integer",
      "Validations indicates the number of validation rules defined in this configuration",
    ),
    column(
      "ParamKind",
      "string",
      "ParamKind specifies the kind of resources used to parameterize this policy",
    ),
    ageColumn,
  ],
  cells(obj, now) {
    const pk = obj?.spec?.paramKind;
    return [
      str(obj?.metadata?.name),
      Array.isArray(obj?.spec?.validations) ? obj.spec.validations.length : 0,
      pk ? `${str(pk.apiVersion)}/${str(pk.kind)}` : "<unset>",
      translateTimestampSince(obj?.metadata?.creationTimestamp, now),
    ];
  },
};

/** ValidatingAdmissionPolicyBinding: NAME, POLICYNAME, PARAMREF, AGE. */
export const admissionPolicyBindingPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column(
      "PolicyName",
      "string",
      "PolicyName indicates the policy definition which the policy binding binded to",
    ),
    column("ParamRef", "string", "ParamRef indicates the param resource which sets the configration param"),
    ageColumn,
  ],
  cells(obj, now) {
    const ref = obj?.spec?.paramRef;
    let param = "<unset>";
    if (ref?.name) param = ref.namespace ? `${str(ref.namespace)}/${str(ref.name)}` : `*/${str(ref.name)}`;
    else if (ref?.selector) param = JSON.stringify(ref.selector);
    return [
      str(obj?.metadata?.name),
      str(obj?.spec?.policyName),
      param,
      translateTimestampSince(obj?.metadata?.creationTimestamp, now),
    ];
  },
};
