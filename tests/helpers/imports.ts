// What a JavaScript module imports, read by TypeScript's pre-processor (static imports, `export ...
// from`, dynamic import() and require() with string literals; comments and strings ignored), and the
// import graph of an entry module. For checks that browser code pulls in nothing Node-only.
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, resolve } from "node:path";
import ts from "typescript";

export function importSpecifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/** `node:x`, or a bare name Node resolves to a builtin (fs, path, timers/promises ...). */
export function isNodeBuiltin(spec: string): boolean {
  return spec.startsWith("node:") || builtinModules.includes(spec);
}

/** .js files under `dir`, recursively, as absolute paths. */
export function jsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".js"))
    .map((f) => join(dir, f))
    .sort();
}

export interface ImportGraph {
  /** every module reached, absolute paths */
  modules: string[];
  /** imports that are not relative paths (builtins, packages): "importer: specifier" */
  external: string[];
}

/** Follows relative imports from `entry`; anything else is reported in `external`, not followed. */
export function importGraph(entry: string): ImportGraph {
  const seen = new Set<string>();
  const external: string[] = [];
  const todo = [resolve(entry)];
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of importSpecifiers(readFileSync(file, "utf8"))) {
      if (spec.startsWith("./") || spec.startsWith("../")) todo.push(resolve(dirname(file), spec));
      else external.push(`${file}: ${spec}`);
    }
  }
  return { modules: [...seen].sort(), external };
}
