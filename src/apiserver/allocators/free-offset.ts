/**
 * Size of the low block that dynamic allocation leaves for explicit requests until the rest is
 * full (KEP-3070 for service IPs, KEP-3668 for node ports; allocator/bitmap.go calculateRangeOffset).
 */
export function staticBand(count: number, step: number, max: number): number {
  return Math.min(Math.max(16, Math.floor(count / step)), max, count);
}

/**
 * A free offset in [0, count): random probes in the dynamic (upper) block first, which is O(1)
 * while the range is sparse, then a scan of the dynamic block, then the static block.
 */
export function pickFreeOffset(
  count: number,
  band: number,
  taken: (offset: number) => boolean,
  random: () => number,
): number | undefined {
  const dynamic = count - band;
  for (let i = 0; i < 32 && dynamic > 0; i++) {
    const off = band + Math.floor(random() * dynamic);
    if (!taken(off)) return off;
  }
  const scan = (lo: number, n: number): number | undefined => {
    if (n <= 0) return undefined;
    const start = Math.floor(random() * n);
    for (let i = 0; i < n; i++) {
      const off = lo + ((start + i) % n);
      if (!taken(off)) return off;
    }
    return undefined;
  };
  return scan(band, dynamic) ?? scan(0, band);
}
