/**
 * Freezes an object graph in place. Unit tests freeze what they put in fake caches, so that code
 * which mutates a shared cached object fails there (client-go's rule: never mutate objects from a
 * cache). Production caches are not frozen: V8's builtins run several times slower on frozen arrays.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const k in value) deepFreeze((value as Record<string, unknown>)[k]);
  return value;
}
