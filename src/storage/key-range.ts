// Prefix ranges as half-open key intervals [prefix, prefixEnd(prefix)), the way etcd expresses them.

/**
 * The smallest string greater than every string starting with prefix, or undefined when there is
 * none (empty prefix). Keys are compared by code point, which matches byte order for UTF-8.
 */
export function prefixEnd(prefix: string): string | undefined {
  const cps = Array.from(prefix);
  while (cps.length > 0) {
    const last = cps.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) return cps.join("") + String.fromCodePoint(last + 1);
  }
  return undefined;
}
