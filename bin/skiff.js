#!/usr/bin/env node
// The launcher stays plain JavaScript so that it parses on any Node; the code it loads needs Node 24.
const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  console.error(
    `skiff needs Node.js 24 or newer (this is ${process.version}); run it through npx or npm scripts in a checkout, which use the project's own Node.`,
  );
  process.exit(1);
}
await import("../src/cmd/main.ts");
