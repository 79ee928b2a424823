/**
 * Freezes an object graph in place. Objects that several readers share (the watch cache, informer
 * caches) are frozen, so that a reader that mutates one fails at once instead of corrupting what the
 * others see (client-go's rule: never mutate objects from a cache).
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const k in value) deepFreeze((value as Record<string, unknown>)[k]);
  return value;
}
