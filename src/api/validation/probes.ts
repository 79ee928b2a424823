import {
  forbidden,
  invalid,
  notSupported,
  required,
  type FieldError,
} from "../../apimachinery/field-error.ts";
import { asArray, asMap, isObject, nonNegative, str } from "./common.ts";
import { isHTTPHeaderName, isValidPortName, isValidPortNum } from "./formats.ts";

/** ValidatePortNumOrName for an int-or-string port as it appears in JSON. */
export function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === "number") return isValidPortNum(port).map((m) => invalid(path, port, m));
  if (typeof port === "string") return isValidPortName(port).map((m) => invalid(path, port, m));
  return isValidPortNum(0).map((m) => invalid(path, 0, m));
}

const handlerKinds = ["exec", "httpGet", "tcpSocket", "grpc", "sleep"] as const;

// core/validation validateHandler: exactly one handler; later ones are Forbidden.
export function validateHandler(
  handler: Record<string, any>,
  allowed: readonly string[],
  gracePeriod: number | undefined,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const kind of handlerKinds) {
    if (!allowed.includes(kind) || handler[kind] === undefined || handler[kind] === null) continue;
    const p = `${path}.${kind}`;
    if (count > 0) {
      errs.push(forbidden(p, "may not specify more than 1 handler type"));
      continue;
    }
    count++;
    const h = asMap(handler[kind]);
    switch (kind) {
      case "exec":
        if (asArray(h.command).length === 0) errs.push(required(`${p}.command`, ""));
        break;
      case "httpGet":
        if (!str(h.path)) errs.push(required(`${p}.path`, ""));
        errs.push(...validatePortNumOrName(h.port, `${p}.port`));
        if (h.scheme !== "HTTP" && h.scheme !== "HTTPS")
          errs.push(notSupported(`${p}.scheme`, str(h.scheme), ["HTTP", "HTTPS"]));
        for (const header of asArray(h.httpHeaders)) {
          const name = str(asMap(header).name);
          for (const m of isHTTPHeaderName(name)) errs.push(invalid(`${p}.httpHeaders`, name, m));
        }
        break;
      case "tcpSocket":
        errs.push(...validatePortNumOrName(h.port, `${p}.port`));
        break;
      case "grpc":
        errs.push(...validatePortNumOrName(typeof h.port === "number" ? h.port : 0, `${p}.port`));
        break;
      case "sleep": {
        const s = typeof h.seconds === "number" ? h.seconds : 0;
        if (gracePeriod !== undefined && (s <= 0 || s > gracePeriod))
          errs.push(
            invalid(
              p,
              s,
              `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod}). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep.`,
            ),
          );
        break;
      }
    }
  }
  if (count === 0) errs.push(required(path, "must specify a handler type"));
  return errs;
}

function validateProbe(
  probe: Record<string, any>,
  gracePeriod: number | undefined,
  path: string,
): FieldError[] {
  const errs = validateHandler(probe, ["exec", "httpGet", "tcpSocket", "grpc"], gracePeriod, path);
  for (const f of [
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
  ])
    errs.push(...nonNegative(probe[f], `${path}.${f}`));
  const tgps = probe.terminationGracePeriodSeconds;
  if (typeof tgps === "number" && tgps <= 0)
    errs.push(invalid(`${path}.terminationGracePeriodSeconds`, tgps, "must be greater than 0"));
  return errs;
}

export type ProbeKind = "livenessProbe" | "readinessProbe" | "startupProbe";

export function validateContainerProbe(
  kind: ProbeKind,
  probe: unknown,
  gracePeriod: number | undefined,
  path: string,
): FieldError[] {
  if (!isObject(probe)) return [];
  const errs = validateProbe(probe, gracePeriod, path);
  const st = typeof probe.successThreshold === "number" ? probe.successThreshold : 0;
  if (kind !== "readinessProbe" && st !== 1) errs.push(invalid(`${path}.successThreshold`, st, "must be 1"));
  if (kind === "readinessProbe" && probe.terminationGracePeriodSeconds != null)
    errs.push(
      invalid(
        `${path}.terminationGracePeriodSeconds`,
        probe.terminationGracePeriodSeconds,
        "must not be set for readinessProbes",
      ),
    );
  return errs;
}

export function validateLifecycle(
  lifecycle: unknown,
  gracePeriod: number | undefined,
  path: string,
): FieldError[] {
  const l = asMap(lifecycle);
  const errs: FieldError[] = [];
  for (const hook of ["postStart", "preStop"]) {
    if (isObject(l[hook]))
      errs.push(
        ...validateHandler(
          l[hook],
          ["exec", "httpGet", "tcpSocket", "sleep"],
          gracePeriod,
          `${path}.${hook}`,
        ),
      );
  }
  return errs;
}
