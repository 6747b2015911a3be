// README examples are run as tests: the code between `// README:begin` and `// README:end` in a
// test must equal the ```ts block that follows `<!-- example:NAME -->` in README.md (imports aside).
import { readFileSync } from "node:fs";

const body = (src: string) =>
  src
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("import ") && !l.startsWith("} from "));

export function readmeExample(name: string): string[] {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const at = readme.indexOf(`<!-- example:${name} -->`);
  if (at < 0) throw new Error(`README.md has no example '${name}'`);
  const start = readme.indexOf("```ts\n", at) + 6;
  return body(readme.slice(start, readme.indexOf("```", start)));
}

export function testExample(testUrl: string): string[] {
  const test = readFileSync(new URL(testUrl), "utf8");
  return body(test.slice(test.indexOf("// README:begin") + 15, test.indexOf("// README:end")));
}
