import { failingChecksOfEnv } from "../quality/failing.ts";

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/**
 * The banner every page carries when `labbook build --allow-failing-checks` published a pin set whose error checks
 * fail (Framework's `header`, so no page can leave it out); empty otherwise. Inline styles keep it visible whatever
 * the page's stylesheet.
 */
export function failingChecksBanner(env: NodeJS.ProcessEnv = process.env): string {
  const failures = failingChecksOfEnv(env);
  if (failures.length === 0) return "";
  const items = failures
    .map(
      (f) =>
        `<li data-dataset="${escape(f.dataset)}" data-check="${escape(f.check)}"><code>${escape(f.dataset)}@${escape(f.version.slice(7, 19))}</code> ` +
        `<code>${escape(f.check)}</code>: ${f.failing} failing</li>`,
    )
    .join("");
  return (
    `<div class="labbook-failing-checks" role="alert" style="border: 2px solid #c0392b; background: #fdecea; ` +
    `color: #611a15; padding: 0.5rem 1rem; margin-bottom: 1rem; border-radius: 4px;">` +
    `<strong>Published with failing quality checks.</strong> Pin set <code>${escape(env.LABBOOK_PINS || "default")}</code> ` +
    `was built with --allow-failing-checks although these error checks fail, so results on this site may be wrong:` +
    `<ul style="margin: 0.25rem 0;">${items}</ul>See the <a href="/quality">quality page</a> for the failing rows.</div>`
  );
}
