// Child process of durability.test.ts: writes through SqliteStore until killed and prints each
// key on its own line as soon as the store has acknowledged it.
import { SqliteStore } from "./sqlite-store.ts";

const path = process.argv[2];
if (!path) throw new Error("usage: durability-writer.ts <db-path>");
const store = SqliteStore.open(path);
let next = 0;

async function writer(): Promise<void> {
  for (;;) {
    const key = `/registry/configmaps/default/cm-${next++}`;
    await store.create(key, JSON.stringify({ n: next }));
    // Pipes are synchronous on Linux, so the line is out before the next write starts.
    process.stdout.write(key + "\n");
  }
}

await Promise.all(Array.from({ length: 16 }, writer));
