// The hash of a pod template (pkg/controller/controller_utils.go ComputeHash): Deployments name their ReplicaSets by it, DaemonSets label their pods with it.
/** Any pod template: only its JSON form is hashed. */
type PodTemplate = { metadata?: { labels?: Record<string, string> } };

export const podTemplateHashLabel = "pod-template-hash";

// apimachinery/pkg/util/rand SafeEncodeString: no vowels (no words) and no confusable 0/1/3.
const alphanums = "bcdfghjklmnpqrstvwxz2456789";

/**
 * A JSON rendering with sorted keys, without nulls and empty lists/maps, so that two templates
 * that apiequality.Semantic.DeepEqual would call equal render the same. (Upstream hashes the Go
 * struct dump of spew; the bytes differ, the properties kept here do not: deterministic per
 * template, changed by any meaningful template change.)
 */
export function canonicalJson(v: unknown): string {
  const norm = normalize(v);
  return JSON.stringify(norm === undefined ? null : norm);
}

function normalize(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) {
    const items = v.map((x) => normalize(x) ?? null);
    return items.length ? items : undefined;
  }
  if (typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const n = normalize((v as Record<string, unknown>)[k]);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v;
}

function fnv32a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** FNV-32a of the template plus the collision count (as 8 little-endian bytes), safely encoded. */
export function computeHash(template: PodTemplate | undefined, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(template ?? {})));
  if (collisionCount !== undefined && collisionCount !== null) {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(bytes, h);
  }
  return safeEncode(h);
}

/** rand.SafeEncodeString of a hash's decimal digits. */
export function safeEncode(hash: number): string {
  const digits = String(hash >>> 0);
  let out = "";
  for (let i = 0; i < digits.length; i++) out += alphanums[digits.charCodeAt(i) % alphanums.length];
  return out;
}

function withoutHashLabel(t: PodTemplate | undefined): PodTemplate {
  const copy: PodTemplate = structuredClone(t ?? {});
  if (copy.metadata?.labels) delete copy.metadata.labels[podTemplateHashLabel];
  return copy;
}

/** deploymentutil.EqualIgnoreHash: semantic equality ignoring the pod-template-hash label. */
export function equalIgnoreHash(a: PodTemplate | undefined, b: PodTemplate | undefined): boolean {
  return canonicalJson(withoutHashLabel(a)) === canonicalJson(withoutHashLabel(b));
}
