/**
 * Polls `fn` until it returns something other than undefined (errors count as "not yet"), for
 * end-to-end tests that wait on a real cluster. Unit tests use a fake clock instead.
 */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const start = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() - start > timeoutMs) {
      throw new Error(
        `timed out waiting for ${what}${last ? `: ${(last as Error).message ?? String(last)}` : ""}`,
        { cause: last },
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Polls `fn` until its value satisfies `ok`; a timeout reports the last value seen. */
export async function eventuallyMatches<T>(
  what: string,
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  let last: T | undefined;
  try {
    return await eventually(
      what,
      async () => {
        last = await fn();
        return ok(last) ? last : undefined;
      },
      timeoutMs,
    );
  } catch (e) {
    throw new Error(`${what}: last seen ${JSON.stringify(last)}`, { cause: e });
  }
}
