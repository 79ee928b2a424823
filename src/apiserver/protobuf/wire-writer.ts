// A protobuf wire-format writer for building test messages by hand.

type Part = [field: number, value: Part[] | string | number | bigint | boolean | Uint8Array];

/** Encodes a message given as [field, value] pairs: nested arrays are sub-messages. */
export function encode(parts: Part[]): Uint8Array {
  const out: number[] = [];
  for (const [field, value] of parts) {
    if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
      varint(out, BigInt((field << 3) | 0));
      varint(out, BigInt.asUintN(64, BigInt(value === true ? 1 : value === false ? 0 : value)));
      continue;
    }
    const bytes =
      typeof value === "string"
        ? new TextEncoder().encode(value)
        : value instanceof Uint8Array
          ? value
          : encode(value);
    varint(out, BigInt((field << 3) | 2));
    varint(out, BigInt(bytes.length));
    out.push(...bytes);
  }
  return Uint8Array.from(out);
}

export function varint(out: number[], v: bigint): void {
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

/** A whole request body: `k8s\0` + runtime.Unknown{typeMeta, raw}. */
export function envelope(apiVersion: string, kind: string, raw: Part[]): Uint8Array {
  const unknown = encode([
    [
      1,
      [
        [1, apiVersion],
        [2, kind],
      ],
    ],
    [2, encode(raw)],
    [3, ""],
    [4, ""],
  ]);
  return Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...unknown]);
}

export type { Part };
