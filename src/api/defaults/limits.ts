// LimitRange defaults (pkg/apis/core/v1/defaults.go SetDefaults_LimitRangeItem): a container item's
// default limit is its max, its default request its default limit, else its min.
import { isObj, list, type Obj } from "./util.ts";

export function defaultLimitRange(lr: Obj): void {
  const spec = isObj(lr.spec) ? lr.spec : undefined;
  for (const item of list(spec?.limits)) {
    if (item.type !== "Container") continue;
    const def: Obj = isObj(item.default) ? { ...item.default } : {};
    const req: Obj = isObj(item.defaultRequest) ? { ...item.defaultRequest } : {};
    for (const [k, v] of Object.entries(isObj(item.max) ? item.max : {})) if (!(k in def)) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (!(k in req)) req[k] = v;
    for (const [k, v] of Object.entries(isObj(item.min) ? item.min : {})) if (!(k in req)) req[k] = v;
    // Empty maps are omitted, as Go's omitempty leaves them out.
    if (Object.keys(def).length) item.default = def;
    if (Object.keys(req).length) item.defaultRequest = req;
  }
}
