import type { NotComputed } from "../../loaders/analysis/protocol-types.ts";
import type { ChangeFeature, PhaseChange, VisualAnalysis } from "../../loaders/analysis/visual.ts";
import { el } from "./dom.js";

type Consistency = VisualAnalysis["consistency"];

/**
 * The six features the What Works Clearinghouse reads on a single-case graph (Kratochwill et al. 2010; WWC
 * Standards Handbook v5.0), in its order: its name for each and one plain sentence on what the feature tells a reader.
 * Each headline is the feature's number as the row shows it beside the analysis's own sentence.
 */
const FEATURES: {
  [K in ChangeFeature]: { name: string; meaning: string; headline: (value: PhaseChange[K]["value"]) => string };
} = {
  level: {
    name: "Level",
    meaning:
      "Where the data sit in a phase (here its mean). A clear shift in level at the phase change, in the expected " +
      "direction, is the first sign of an effect.",
    headline: (v) => signed(v.change),
  },
  trend: {
    name: "Trend",
    meaning:
      "The slope of the best-fitting straight line through a phase (points per day). A trend that already runs the " +
      "expected way before the change makes the change harder to credit to the intervention.",
    headline: (v) => `${v.from === null ? "—" : signed(v.from, 2)} → ${v.to === null ? "—" : signed(v.to, 2)} per day`,
  },
  variability: {
    name: "Variability",
    meaning:
      "How far the days scatter around the phase's level (SD and range). The more they scatter, the larger a change " +
      "must be to stand out from day-to-day noise.",
    headline: (v) => `SD ${fixed(v.from)} → ${fixed(v.to)}`,
  },
  immediacy: {
    name: "Immediacy of the effect",
    meaning:
      "The change from the last three days of one phase to the first three of the next. A change that comes at " +
      "once points to the phase change, not to something later, as its cause.",
    headline: (v) => signed(v.change),
  },
  overlap: {
    name: "Overlap",
    meaning:
      "The share of the later phase's days that fall within the earlier phase's range. The less the phases overlap, " +
      "the clearer the separation between them.",
    headline: (v) => `${Math.round(100 * v.share)}%`,
  },
};

const CONSISTENCY = {
  name: "Consistency across similar phases",
  meaning:
    "Whether phases of the same kind look alike and every change between baseline and intervention moves the level " +
    "the expected way. Effects that repeat at each change are what demonstrates a functional relation.",
  headline: (v: Consistency["value"]) => (v.consistent ? "consistent" : "not consistent"),
};

/** A number as the analysis sentences print it: fixed digits, no "-0.0", a dash for none. */
function fixed(x: number | null, digits = 1): string {
  if (x === null) return "—";
  return (Math.abs(x) < 0.5 * 10 ** -digits ? 0 : x).toFixed(digits);
}
const signed = (x: number, digits = 1): string => `${x > 0 ? "+" : ""}${fixed(x, digits)}`;

/** The sentence without its leading "Level: ", which the row's name already says. */
const finding = (text: string): string => text.slice(text.indexOf(": ") + 2);

/** One feature's row: its name and number, what the data show, and what the feature means. */
function row(key: string, name: string, headline: string, text: string, meaning: string): HTMLElement {
  return el(
    "div",
    { class: "labbook-visual-feature", "data-feature": key },
    el(
      "dt",
      {},
      el("span", { class: "labbook-visual-name" }, name),
      " ",
      el("span", { class: "labbook-visual-value" }, headline),
    ),
    el("dd", { class: "labbook-visual-finding" }, finding(text)),
    el("dd", { class: "labbook-visual-meaning" }, meaning),
  );
}

function featureRow<K extends ChangeFeature>(key: K, c: PhaseChange): HTMLElement {
  const feature = FEATURES[key];
  return row(key, feature.name, feature.headline(c[key].value), c[key].text, feature.meaning);
}

function change(c: PhaseChange): HTMLElement {
  const rows = (Object.keys(FEATURES) as ChangeFeature[]).map((key) => featureRow(key, c));
  return el(
    "section",
    { class: "labbook-visual-change", "data-change": `${c.from}→${c.to}` },
    el("h3", {}, `${c.from} → ${c.to}`),
    el("dl", {}, ...rows),
  );
}

/**
 * The visual analysis of one series as a report: a block per phase change with its five features, then the
 * consistency of similar phases. Every number and sentence is the analysis's (`labbook analyze --json`); the page only
 * lays them out.
 */
export function visualReport(visual: VisualAnalysis | NotComputed): HTMLElement {
  if ("notComputed" in visual)
    return el("p", { class: "labbook-not-computed" }, el("strong", {}, "Not computed:"), ` ${visual.notComputed}`);
  const c = visual.consistency;
  return el(
    "div",
    { class: "labbook-visual" },
    ...visual.changes.map(change),
    el(
      "section",
      { class: "labbook-visual-consistency" },
      el("dl", {}, row("consistency", CONSISTENCY.name, CONSISTENCY.headline(c.value), c.text, CONSISTENCY.meaning)),
    ),
  );
}

/** A multiple-baseline protocol: one collapsible report per participant, each with their own phase change. */
export function participantReport(participant: string, visual: VisualAnalysis | NotComputed): HTMLElement {
  const summary =
    "notComputed" in visual
      ? "not computed"
      : `${visual.changes.map((c) => `${c.from} → ${c.to}`).join(", ") || "no phase change"}; ${CONSISTENCY.headline(visual.consistency.value)}`;
  return el(
    "details",
    { class: "labbook-visual-participant", "data-participant": participant },
    el("summary", {}, el("code", {}, participant), ` ${summary}`),
    visualReport(visual),
  );
}
