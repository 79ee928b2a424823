// The manager a write's managedFields entry names, as upstream's handlers choose and check it.
import { type FieldError, invalid as invalidField, tooLong } from "../../apimachinery/field-error.ts";
import { invalid } from "../../apimachinery/status-error.ts";

const MAX_LENGTH = 128;
const OPTIONS_KIND: Record<string, string> = {
  create: "CreateOptions",
  update: "UpdateOptions",
  patch: "PatchOptions",
};

/** Printable as Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/**
 * The fieldManager parameter, or (prefixFromUserAgent) the User-Agent up to its first "/", cut to 128
 * bytes. A parameter that is too long or unprintable is upstream's 422 on the request's options.
 */
export function fieldManagerOf(
  verb: string,
  query: URLSearchParams,
  userAgent: string | undefined,
): string | undefined {
  const kind = OPTIONS_KIND[verb];
  if (!kind) return undefined;
  const given = query.get("fieldManager");
  if (given) {
    const errs: FieldError[] = [];
    if (Buffer.byteLength(given) > MAX_LENGTH) errs.push(tooLong("fieldManager", given, MAX_LENGTH));
    let i = 0;
    for (const ch of given) {
      if (!PRINTABLE.test(ch)) {
        const code = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
        errs.push(invalidField("fieldManager", given, `invalid character U+${code} (at position ${i})`));
      }
      i += Buffer.byteLength(ch);
    }
    if (errs.length) throw invalid("meta.k8s.io", kind, "", errs);
    return given;
  }
  const prefix = (userAgent ?? "").split("/")[0];
  return Buffer.from(prefix).subarray(0, MAX_LENGTH).toString();
}
