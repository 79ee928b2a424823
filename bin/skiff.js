#!/usr/bin/env node
// The launcher stays plain JavaScript so that it parses on any Node; the code it loads needs Node 24.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  console.error(
    `skiff needs Node.js 24 or newer (this is ${process.version}); run it through npx or npm scripts in a checkout, which use the project's own Node.`,
  );
  process.exit(1);
}

// A node agent allocates in bursts (a pod's sync, a relist) and then idles for long. These settings
// keep its resident memory near what it holds rather than what a burst needed: a small young
// generation, V8's size-over-speed heuristics, no optimizing compilers beyond the baseline one
// (their code and zones cost more memory than the agent's light work gains from them; measured in
// bench/node-pods.ts), and two glibc malloc arenas instead of one per allocating thread. They must be
// set before start, so the process image is replaced in place (no second process stays).
if (process.argv[2] === "agent" && !process.env.MALLOC_ARENA_MAX && typeof process.execve === "function")
  process.execve(
    process.execPath,
    [
      process.execPath,
      "--max-semi-space-size=1",
      "--optimize-for-size",
      "--max-opt=1",
      ...process.execArgv,
      ...process.argv.slice(1),
    ],
    { ...process.env, MALLOC_ARENA_MAX: "2" },
  );

const root = join(import.meta.dirname, "..");
const stamp = join(root, "dist", ".built");

// The compiled build starts faster and uses less memory; it is used unless the sources are newer.
function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const useBuild = existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource(join(root, "src"));
await import(useBuild ? "../dist/cmd/main.js" : "../src/cmd/main.ts");
