// LimitRanger admission (plugin/pkg/admission/limitranger): containers get their namespace's
// default requests and limits, and pods, containers and claims are held to its min and max.
import type { KObject } from "../apimachinery/meta.ts";
import { formatQuantity, parseQuantity, type Quantity } from "../apimachinery/quantity.ts";
import { forbidden } from "../apimachinery/status-error.ts";
import { podAmounts } from "../api/quota/usage.ts";
import type { GenericStore } from "./registry/generic-store.ts";

type Obj = Record<string, any>;

const q = (v: unknown): Quantity | undefined => parseQuantity(v);
const s = (v: Quantity): string => formatQuantity(v);

/** The checks of one item against one request/limit pair (minConstraint, maxConstraint, ratio). */
function check(
  item: Obj,
  kind: string,
  requests: Map<string, Quantity | undefined>,
  limits: Map<string, Quantity | undefined>,
  errs: string[],
): void {
  for (const [r, minText] of Object.entries((item.min ?? {}) as Obj)) {
    const min = q(minText)!;
    const req = requests.get(r);
    const lim = limits.get(r);
    if (!req) errs.push(`minimum ${r} usage per ${kind} is ${s(min)}.  No request is specified`);
    else if (req.milli < min.milli)
      errs.push(`minimum ${r} usage per ${kind} is ${s(min)}, but request is ${s(req)}`);
    if (lim && lim.milli < min.milli)
      errs.push(`minimum ${r} usage per ${kind} is ${s(min)}, but limit is ${s(lim)}`);
  }
  for (const [r, maxText] of Object.entries((item.max ?? {}) as Obj)) {
    const max = q(maxText)!;
    const req = requests.get(r);
    const lim = limits.get(r);
    if (!lim) errs.push(`maximum ${r} usage per ${kind} is ${s(max)}.  No limit is specified`);
    else if (lim.milli > max.milli)
      errs.push(`maximum ${r} usage per ${kind} is ${s(max)}, but limit is ${s(lim)}`);
    if (req && req.milli > max.milli)
      errs.push(`maximum ${r} usage per ${kind} is ${s(max)}, but request is ${s(req)}`);
  }
  for (const [r, ratioText] of Object.entries((item.maxLimitRequestRatio ?? {}) as Obj)) {
    const ratio = q(ratioText)!;
    const req = requests.get(r);
    const lim = limits.get(r);
    if (!lim || !req || req.milli === 0n) {
      errs.push(
        `${r} max limit to request ratio per ${kind} is ${s(ratio)}, but no request is specified or request is 0`,
      );
      continue;
    }
    const actual = Number(lim.milli) / Number(req.milli);
    if (actual * 1000 > Number(ratio.milli))
      errs.push(
        `${r} max limit to request ratio per ${kind} is ${s(ratio)}, but provided ratio is ${actual.toFixed(6)}`,
      );
  }
}

const list = (o: Obj | undefined) => new Map(Object.entries(o ?? {}).map(([k, v]) => [k, q(v)]));

/** Fills in defaults, then refuses a pod or claim outside its namespace's LimitRanges (403). */
export async function admitLimits(
  limitRanges: GenericStore,
  resource: string,
  namespace: string,
  obj: KObject,
): Promise<void> {
  if (resource !== "pods" && resource !== "persistentvolumeclaims") return;
  const { items } = await limitRanges.list(namespace);
  if (!items.length) return;
  const o = obj as Obj;
  const errs: string[] = [];
  for (const lr of items as Obj[]) {
    for (const item of (lr.spec?.limits ?? []) as Obj[]) {
      if (resource === "pods" && item.type === "Container") {
        const notes: string[] = [];
        for (const c of [...(o.spec?.initContainers ?? []), ...(o.spec?.containers ?? [])] as Obj[]) {
          const res = (c.resources ??= {});
          const setReq: string[] = [];
          const setLim: string[] = [];
          for (const [r, v] of Object.entries((item.defaultRequest ?? {}) as Obj))
            if (res.requests?.[r] === undefined) {
              (res.requests ??= {})[r] = v;
              setReq.push(r);
            }
          for (const [r, v] of Object.entries((item.default ?? {}) as Obj))
            if (res.limits?.[r] === undefined) {
              (res.limits ??= {})[r] = v;
              setLim.push(r);
            }
          const label = o.spec?.initContainers?.includes(c) ? "init container" : "container";
          if (setReq.length) notes.push(`${setReq.join(", ")} request for ${label} ${c.name}`);
          if (setLim.length) notes.push(`${setLim.join(", ")} limit for ${label} ${c.name}`);
          check(item, "Container", list(res.requests), list(res.limits), errs);
        }
        if (notes.length)
          o.metadata = {
            ...o.metadata,
            annotations: {
              ...o.metadata?.annotations,
              "kubernetes.io/limit-ranger": `LimitRanger plugin set: ${notes.join("; ")}`,
            },
          };
      } else if (resource === "pods" && item.type === "Pod") {
        const req = new Map(
          [...podAmounts(o.spec, "requests")].map(([k, v]) => [k, v as Quantity | undefined]),
        );
        const lim = new Map(
          [...podAmounts(o.spec, "limits")].map(([k, v]) => [k, v as Quantity | undefined]),
        );
        check(item, "Pod", req, lim, errs);
      } else if (resource === "persistentvolumeclaims" && item.type === "PersistentVolumeClaim") {
        const storage = new Map([["storage", q(o.spec?.resources?.requests?.storage)]]);
        for (const [r, v] of Object.entries((item.min ?? {}) as Obj)) {
          const want = storage.get(r);
          if (!want)
            errs.push(
              `minimum ${r} usage per PersistentVolumeClaim is ${s(q(v)!)}.  No request is specified`,
            );
          else if (want.milli < q(v)!.milli)
            errs.push(
              `minimum ${r} usage per PersistentVolumeClaim is ${s(q(v)!)}, but request is ${s(want)}`,
            );
        }
        for (const [r, v] of Object.entries((item.max ?? {}) as Obj)) {
          const want = storage.get(r);
          if (want && want.milli > q(v)!.milli)
            errs.push(
              `maximum ${r} usage per PersistentVolumeClaim is ${s(q(v)!)}, but request is ${s(want)}`,
            );
        }
      }
    }
  }
  if (errs.length) {
    const what = `${resource} "${o.metadata?.name ?? o.metadata?.generateName ?? ""}"`;
    throw forbidden(`${what} is forbidden: ${errs.length === 1 ? errs[0] : `[${errs.join(", ")}]`}`);
  }
}
