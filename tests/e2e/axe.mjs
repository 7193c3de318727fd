// Accessibility checks of the app's page with axe-core (ui/package.json's devDependency, so the
// e2e needs no node_modules of its own): its source is injected through WebDriver's Execute
// Script, which the page's CSP (`script-src 'self'`) does not apply to, then `axe.run` checks
// the page as it is. Only serious and critical violations are kept: those block a person who uses
// a screen reader or the keyboard, or can't read low-contrast text.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const fromUi = createRequire(new URL("../../ui/package.json", import.meta.url));
const AXE_SOURCE = readFileSync(fromUi.resolve("axe-core/axe.min.js"), "utf8");

/** The impacts kept by default, from axe's minor, moderate, serious, critical. */
export const BLOCKING_IMPACTS = ["serious", "critical"];

/**
 * The page's accessibility violations of `impacts`: each `{ id, impact, help, helpUrl, targets }`,
 * `targets` the elements at fault, each `{ selector, why }` (axe's finding, such as the contrast
 * ratio and colours). `context` (a selector) limits the check
 * to part of the page. Throws when axe could not run (a page that refused the script).
 */
export async function accessibilityViolations(session, { impacts = BLOCKING_IMPACTS, context } = {}) {
  const injected = await session.execute(
    `if (window.axe === undefined) { ${AXE_SOURCE}\n }
     return typeof window.axe?.run === "function" ? window.axe.version : null;`,
  );
  if (injected === null) throw new Error("axe-core could not be injected into the page");
  const outcome = await session.executeAsync(
    `const [context, done] = arguments;
     window.axe
       .run(context ?? document, { resultTypes: ["violations"] })
       .then((results) => done({ results: {
         passes: results.passes.length,
         violations: results.violations.map((v) => ({
           id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
           targets: v.nodes.map((node) => ({
             selector: node.target.join(" "),
             why: [...node.any, ...node.all, ...node.none].map((check) => check.message).join("; "),
           })),
         })),
       } }))
       .catch((error) => done({ error: String(error?.stack ?? error) }));`,
    [context ?? null],
  );
  if (outcome.error !== undefined) throw new Error(`axe ${injected} failed on the page: ${outcome.error}`);
  if (outcome.results.passes === 0) throw new Error(`axe ${injected} checked nothing on the page`);
  return outcome.results.violations.filter((violation) => impacts.includes(violation.impact));
}

/** The violations as lines a person can act on: rule, impact, what to do, and where. */
export function formatViolations(violations) {
  return violations
    .map(
      (v) =>
        `- ${v.id} (${v.impact}): ${v.help}\n    ${v.helpUrl}\n` +
        v.targets.map((target) => `    at ${target.selector}\n      ${target.why}`).join("\n"),
    )
    .join("\n");
}

/** Fails with the page's serious and critical violations, named for `where` (a screen, a theme). */
export async function assertAccessible(session, where, options) {
  const violations = await accessibilityViolations(session, options);
  if (violations.length > 0) {
    throw new Error(`${where}: ${violations.length} accessibility violation(s):\n${formatViolations(violations)}`);
  }
}
