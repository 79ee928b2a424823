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
