// Compiles src/ to dist/ so that `skiff` starts without compiling TypeScript at run time
// (faster start, less memory), and copies the non-TypeScript files the code loads.
import { execFileSync } from "node:child_process";
import { cpSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
rmSync(join(root, "dist"), { recursive: true, force: true });
try {
  execFileSync(
    process.execPath,
    [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json")],
    { stdio: "inherit" },
  );
} catch {
  // Type errors still emit JavaScript; `npm run check` is where they fail the build.
  console.warn("skiff build: tsc reported type errors; the JavaScript was emitted anyway");
}
const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
for (const file of walk(join(root, "src"))) {
  if (file.endsWith(".proto") || file.endsWith("/descriptors.json")) {
    const target = join(root, "dist", file.slice(join(root, "src").length));
    cpSync(file, target);
  }
}
writeFileSync(join(root, "dist", ".built"), new Date().toISOString());
