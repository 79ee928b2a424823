/** A binary heap whose items know their slot, so any item can be removed or re-sorted in O(log n). */
export interface HeapItem {
  heapIndex: number;
}

export class Heap<T extends HeapItem> {
  private readonly items: T[] = [];
  private readonly less: (a: T, b: T) => boolean;

  constructor(less: (a: T, b: T) => boolean) {
    this.less = less;
  }

  get length(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(x: T): void {
    x.heapIndex = this.items.length;
    this.items.push(x);
    this.up(x.heapIndex);
  }

  pop(): T | undefined {
    const top = this.items[0];
    if (top) this.remove(top);
    return top;
  }

  has(x: T): boolean {
    return this.items[x.heapIndex] === x;
  }

  remove(x: T): void {
    const i = x.heapIndex;
    if (this.items[i] !== x) return;
    const last = this.items.pop()!;
    if (last !== x) {
      this.items[i] = last;
      last.heapIndex = i;
      this.fix(i);
    }
    x.heapIndex = -1;
  }

  /** Restores order after x's sort key changed. */
  fix(i: number): void {
    if (!this.down(i)) this.up(i);
  }

  values(): readonly T[] {
    return this.items;
  }

  private swap(i: number, j: number): void {
    const a = this.items[i]!;
    const b = this.items[j]!;
    this.items[i] = b;
    this.items[j] = a;
    a.heapIndex = j;
    b.heapIndex = i;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(this.items[i]!, this.items[parent]!)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i0: number): boolean {
    let i = i0;
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let j = l;
      if (l + 1 < n && this.less(this.items[l + 1]!, this.items[l]!)) j = l + 1;
      if (!this.less(this.items[j]!, this.items[i]!)) break;
      this.swap(i, j);
      i = j;
    }
    return i > i0;
  }
}
