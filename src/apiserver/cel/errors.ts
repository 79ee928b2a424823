// Evaluation errors in cel-go's words, which users see in field errors and admission denials:
// @bufbuild/cel words the same failures its own way.
const RULES: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [/^field not found: (.*)$/, (m) => `no such key: ${m[1]}`],
  [
    /^index (-?\d+) out of bounds \[0, (\d+)\)$/,
    (m) => `index '${m[1]}' out of range in list size '${m[2]}'`,
  ],
  // The library does not know the list's size (it reports -1).
  [/^index (-?\d+) out of bounds \[0, -1\)$/, (m) => `index '${m[1]}' out of range`],
  [/^found no matching overload for /, () => "no such overload"],
  [/^int overflow during /, () => "integer overflow"],
  [/^uint overflow during /, () => "unsigned integer overflow"],
  [/^(int|uint|double) divide by zero$/, () => "division by zero"],
  [/^(int|uint|double) modulus by zero$/, () => "modulus by zero"],
];

export function celGoError(message: string): string {
  for (const [re, to] of RULES) {
    const m = re.exec(message);
    if (m) return to(m);
  }
  return message;
}
