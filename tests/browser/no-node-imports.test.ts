// The engine's platform-neutral folders import nothing from Node, as built (dist/): src/core,
// src/kernel, src/net and src/world, and everything the browser entry dist/src/browser.js reaches.
// Only src/node.ts (and the CLI, tests, benchmarks) may use `node:` modules.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { importGraph, importSpecifiers, isNodeBuiltin, jsFiles } from "../helpers/imports.js";

const dist = (p: string) => fileURLToPath(new URL(`../../dist/src/${p}`, import.meta.url));
const NEUTRAL = ["core", "kernel", "net", "world"];

function requireBuild(): void {
  if (!existsSync(dist("browser.js"))) throw new Error("dist/ is missing: run `npm run build` first");
}

describe("import scanner", () => {
  it("finds static, re-exported, dynamic and require() imports, not ones in comments or strings", () => {
    const src = [
      'import { readFile } from "node:fs/promises";',
      'export { x } from "./x.js";',
      'import "side-effect";',
      'const p = await import("path");',
      'const c = require("node:crypto");',
      '// import { no } from "node:comment";',
      '/* import("node:block") */',
      "const s = \"import { s } from 'node:string'\";",
    ].join("\n");
    expect(importSpecifiers(src)).toEqual([
      "node:fs/promises",
      "./x.js",
      "side-effect",
      "path",
      "node:crypto",
    ]);
    expect(
      ["node:fs/promises", "path", "timers/promises", "./x.js", "side-effect"].map(isNodeBuiltin),
    ).toEqual([true, true, true, false, false]);
  });

  it("sees the Node entry's node:fs import (the check can fail)", () => {
    requireBuild();
    expect(importSpecifiers(readFileSync(dist("node.js"), "utf8")).filter(isNodeBuiltin)).toEqual([
      "node:fs/promises",
    ]);
  });
});

describe("no node: imports in browser code (dist/)", () => {
  it.each(NEUTRAL)("dist/src/%s imports no Node builtin", (folder) => {
    requireBuild();
    const files = jsFiles(dist(folder));
    expect(files.length).toBeGreaterThan(0);
    const offenders = files.flatMap((f) =>
      importSpecifiers(readFileSync(f, "utf8"))
        .filter(isNodeBuiltin)
        .map((s) => `${f}: ${s}`),
    );
    expect(offenders).toEqual([]);
  });

  it("everything dist/src/browser.js reaches is a relative import, and it reaches the engine", () => {
    requireBuild();
    const g = importGraph(dist("browser.js"));
    expect(g.external).toEqual([]);
    for (const m of ["core/wasm.js", "kernel/kernel.js", "net/stack.js", "world/world.js"])
      expect(g.modules).toContain(dist(m));
    expect(g.modules).not.toContain(dist("node.js"));
  });
});
