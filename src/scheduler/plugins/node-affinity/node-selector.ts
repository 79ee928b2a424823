// Node selector terms compiled once per pod into plain predicates (component-helpers/scheduling/corev1/nodeaffinity).

export type NodeMatcher = (labels: Record<string, string>, nodeName: string) => boolean;

interface Requirement {
  key: string;
  operator: string;
  values?: string[];
}

interface Term {
  matchExpressions?: Requirement[];
  matchFields?: Requirement[];
}

const never: NodeMatcher = () => false;

function parseInt64(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

function labelRequirement(r: Requirement): NodeMatcher | undefined {
  const values = r.values ?? [];
  switch (r.operator) {
    case "In": {
      const set = new Set(values);
      return (l) => r.key in l && set.has(l[r.key]!);
    }
    case "NotIn": {
      const set = new Set(values);
      return (l) => !(r.key in l) || !set.has(l[r.key]!);
    }
    case "Exists":
      return (l) => r.key in l;
    case "DoesNotExist":
      return (l) => !(r.key in l);
    case "Gt":
    case "Lt": {
      // Gt/Lt take exactly one integer; the node's label must parse as one too.
      if (values.length !== 1) return undefined;
      const bound = parseInt64(values[0]!);
      if (bound === undefined) return undefined;
      const gt = r.operator === "Gt";
      return (l) => {
        if (!(r.key in l)) return false;
        const v = parseInt64(l[r.key]!);
        return v !== undefined && (gt ? v > bound : v < bound);
      };
    }
    default:
      return undefined;
  }
}

// Only metadata.name is a supported node field, with In/NotIn and a single value.
function fieldRequirement(r: Requirement): NodeMatcher | undefined {
  const values = r.values ?? [];
  if (r.key !== "metadata.name" || values.length !== 1) return undefined;
  if (r.operator === "In") return (_l, n) => n === values[0];
  if (r.operator === "NotIn") return (_l, n) => n !== values[0];
  return undefined;
}

function compileTerm(t: Term): NodeMatcher {
  const parts: NodeMatcher[] = [];
  for (const r of t.matchExpressions ?? []) {
    const m = labelRequirement(r);
    if (!m) return never;
    parts.push(m);
  }
  for (const r of t.matchFields ?? []) {
    const m = fieldRequirement(r);
    if (!m) return never;
    parts.push(m);
  }
  return (l, n) => {
    for (const p of parts) if (!p(l, n)) return false;
    return true;
  };
}

function isEmptyTerm(t: Term | undefined): boolean {
  return !t || (!t.matchExpressions?.length && !t.matchFields?.length);
}

/** NodeSelector: the terms are ORed; empty terms are dropped, so no usable term matches nothing. */
export function compileNodeSelector(terms: Term[] | undefined): NodeMatcher {
  const compiled = (terms ?? []).filter((t) => !isEmptyTerm(t)).map(compileTerm);
  if (!compiled.length) return never;
  return (l, n) => {
    for (const c of compiled) if (c(l, n)) return true;
    return false;
  };
}

/** RequiredNodeAffinity: spec.nodeSelector AND the required node affinity terms; undefined when both are absent. */
export function requiredNodeAffinity(spec: Record<string, any> | undefined): NodeMatcher | undefined {
  const selector = Object.entries((spec?.nodeSelector ?? {}) as Record<string, string>);
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!selector.length && !required) return undefined;
  const terms = required ? compileNodeSelector(required.nodeSelectorTerms) : undefined;
  return (l, n) => {
    for (const [k, v] of selector) if (l[k] !== v) return false;
    return terms ? terms(l, n) : true;
  };
}

export interface PreferredTerm {
  weight: number;
  match: NodeMatcher;
}

/** PreferredSchedulingTerms: zero-weight and empty preferences are dropped. */
export function preferredTerms(spec: Record<string, any> | undefined): PreferredTerm[] {
  const terms = (spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ??
    []) as Array<{
    weight?: number;
    preference?: Term;
  }>;
  return terms
    .filter((t) => t.weight && !isEmptyTerm(t.preference))
    .map((t) => ({ weight: t.weight!, match: compileTerm(t.preference!) }));
}
