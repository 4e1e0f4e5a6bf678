import type { CheckStatus } from "../../loaders/quality/run.ts";
import type { VersionStatus } from "../../loaders/quality/facet.ts";
import { el } from "./dom.js";

/** Every status a check or a version can show: a check can be skipped, a version can be unchecked. */
export type Status = CheckStatus | VersionStatus;

/** Strong colours, for badges (white text) and chart marks. */
export const STATUS_COLORS: Record<Status, string> = {
  pass: "#2e7d32",
  warn: "#ef6c00",
  fail: "#c62828",
  skipped: "#757575",
  unchecked: "#9e9e9e",
};

/** Light fills of the same hues, for boxes with dark labels such as the lineage graph's versions. */
export const STATUS_FILLS: Record<VersionStatus, string> = {
  pass: "#c8e6c9",
  warn: "#ffe0b2",
  fail: "#ffcdd2",
  unchecked: "#eeeeee",
};

const MEANING: Record<VersionStatus, string> = {
  pass: "every check passed",
  warn: "a warn check failed",
  fail: "an error check failed",
  unchecked: "made without running checks",
};

/** A status as a small coloured label. */
export function statusBadge(status: Status): HTMLElement {
  const badge = el("span", { class: "labbook-status", "data-status": status }, status);
  badge.style.cssText = `color: white; background: ${STATUS_COLORS[status]}; padding: 0 0.4em; border-radius: 3px; font-size: 85%;`;
  return badge;
}

/** The key to the lineage graph's version colours: one swatch per status, with what it means. */
export function versionStatusLegend(): HTMLElement {
  const items = (Object.keys(STATUS_FILLS) as VersionStatus[]).map((status) => {
    const swatch = el("span", { class: "labbook-swatch" });
    swatch.style.cssText = `display: inline-block; width: 1em; height: 1em; margin-right: 0.3em; vertical-align: -0.15em; border: solid 1px #94a3b8; border-radius: 3px; background: ${STATUS_FILLS[status]};`;
    const item = el("span", { "data-status": status }, swatch, el("strong", {}, status), `: ${MEANING[status]}`);
    item.style.marginRight = "1.2em";
    return item;
  });
  return el("p", { class: "labbook-status-legend" }, "Version colour: ", ...items);
}
