// Every stylesheet under src/ is plain CSS: its braces balance and no rule sits inside another
// rule. The build (Lightning CSS) reads a missing "}" as CSS nesting and silently scopes every
// later rule under the unclosed one, as once happened to half of styles.css. Run by `npm run lint`.

import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../src", import.meta.url));

function stylesheets(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return stylesheets(path);
    return entry.name.endsWith(".css") ? [path] : [];
  });
}

/** The first rule opened inside another rule, or an unbalanced brace, with its line; null when none. */
export function nestingProblem(css) {
  const text = css.replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, " "));
  const line = (at) => text.slice(0, at).split("\n").length;
  const open = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "{") {
      const prelude = text.slice(start, i).trim();
      const parent = open.at(-1);
      if (parent !== undefined && !parent.atRule) {
        return `line ${line(i)}: "${prelude}" is inside "${parent.prelude}" (line ${parent.line}), which is never closed`;
      }
      open.push({ prelude, atRule: prelude.startsWith("@"), line: line(i) });
      start = i + 1;
    } else if (ch === "}") {
      if (open.pop() === undefined) return `line ${line(i)}: this "}" closes nothing`;
      start = i + 1;
    } else if (ch === ";") {
      start = i + 1;
    }
  }
  const left = open.at(-1);
  return left === undefined ? null : `line ${left.line}: "${left.prelude}" is never closed`;
}

const problems = stylesheets(SRC).flatMap((path) => {
  const problem = nestingProblem(readFileSync(path, "utf8"));
  return problem === null ? [] : [`${relative(process.cwd(), path)}: ${problem}`];
});
for (const problem of problems) console.error(problem);
process.exit(problems.length === 0 ? 0 : 1);
