import {
  CHANGE_FEATURES,
  formatP,
  isComputed,
  pValue,
  type NotComputed,
  type VisualAnalysis,
} from "../../analysis/index.ts";
import { usageError } from "../../errors.ts";
import { analyzePinned, type ProtocolResult } from "../../experiments/analyze.ts";
import { stringOption } from "../args.ts";
import { defineCommand, printJson } from "../command.ts";
import { formatTable } from "../table.ts";

export default defineCommand({
  name: "analyze",
  usage: "<protocol>|--all [--pins SET]",
  description:
    "Single-case analysis of experiment protocols on the pinned data: per-phase summaries, effect sizes (NAP, Tau,\n" +
    "Tau-U, PND, SMD, LRR) with confidence intervals, a randomization test on the phase start points, the piecewise\n" +
    "regression and the visual-analysis aids (level, trend, variability, immediacy, overlap, consistency). These are\n" +
    "the numbers the experiment pages show. <protocol> is an id or a protocol name.",
  options: {
    all: { type: "boolean", description: "Analyse every protocol in the pinned data" },
    pins: { type: "string", valueName: "SET", description: "Pin set to read (default LABBOOK_PINS or default)" },
  },
  examples: [
    "labbook analyze --all",
    'labbook analyze "Push reminders P01"',
    "labbook analyze --all --pins exp_reminders --json",
  ],
  async run(ctx) {
    const [protocol, ...extra] = ctx.positionals;
    if (extra.length || (protocol === undefined) === (ctx.values.all !== true)) {
      throw usageError("labbook analyze: name one protocol or pass --all");
    }
    const set = stringOption(ctx.values, "pins") ?? ctx.config.pinSet;
    const results = await analyzePinned(ctx.config, set, protocol);
    if (ctx.json) return printJson(ctx, { pins: set, protocols: results });
    ctx.out(results.map(describe).join("\n\n"));
  },
});

const f = (x: number | null | undefined, digits = 2) =>
  x === null || x === undefined || Number.isNaN(x) ? "" : x.toFixed(digits);

function describe(r: ProtocolResult): string {
  const head = `${r.name} (${r.id}), ${r.designType}, outcome ${r.primaryOutcome}: ${r.series.length} observed days`;
  const phases = formatTable(
    ["phase", "type", "n", "mean", "median", "sd", "trend"],
    r.summary.map((p) => [p.label, p.type, p.n, f(p.mean), f(p.median), f(p.sd), f(p.slope, 3)]),
  );
  const a = r.analysis;
  const effects = formatTable(
    ["effect", "estimate", "se", "ci"],
    a.effects.map((e) =>
      isComputed(e)
        ? [e.name, f(e.estimate, 3), f(e.se, 3), e.ci ? `[${f(e.ci[0], 3)}, ${f(e.ci[1], 3)}]` : ""]
        : [e.name, "not computed"],
    ),
  );
  const missing = a.effects.flatMap((e) => (isComputed(e) ? [] : [`  ${e.name} not computed: ${e.notComputed}`]));
  const t = a.randomization;
  const pw = a.piecewise;
  return [
    head,
    indent(phases),
    indent(effects),
    ...missing,
    isComputed(t)
      ? `  randomization test (${t.design}, ${t.statistic}): observed ${f(t.observed, 3)}, ${formatP(t.p)} over ${t.assignments} ${t.exhaustive ? "assignments" : "samples"}`
      : `  randomization test not computed: ${t.notComputed}`,
    ...(isComputed(pw)
      ? [
          `  piecewise regression: R² ${f(pw.r2, 3)}, adjusted ${f(pw.adjustedR2, 3)}, F(${pw.f.df1}, ${pw.f.df2}) = ${f(pw.f.value, 2)}, ${formatP(pw.f.p)}`,
          indent(
            formatTable(
              ["term", "estimate", "se", "t", "p"],
              pw.terms.map((x) => [x.name, f(x.estimate, 3), f(x.se, 3), f(x.t, 2), pValue(x.p)]),
            ),
          ),
        ]
      : [`  piecewise regression not computed: ${pw.notComputed}`]),
    ...(r.multipleBaseline ? multipleBaseline(r.multipleBaseline) : visual("visual analysis", a.visual)),
    `  ${a.interpretation}`,
    ...(r.mismatches.length
      ? [`  ${r.mismatches.length} day(s) where events carry another phase label than the assignment`]
      : []),
  ].join("\n");
}

/** A multiple-baseline protocol: each participant's effects, the pooled effects and the design-comparable SMD. */
function multipleBaseline(mb: NonNullable<ProtocolResult["multipleBaseline"]>): string[] {
  const a = mb.analysis;
  const names = a.participants[0]?.effects.map((e) => e.name) ?? [];
  const per = formatTable(
    ["participant", "A days", "B days", ...names],
    a.participants.map((p) => [
      p.participant,
      p.baselineDays,
      p.interventionDays,
      ...p.effects.map((e) => (isComputed(e) ? f(e.estimate, 3) : "—")),
    ]),
  );
  const ci = (c: [number, number] | undefined) => (c ? `[${f(c[0], 3)}, ${f(c[1], 3)}]` : "");
  const pooled = formatTable(
    ["pooled", "equal weights", "ci", "fixed (FE)", "ci", "random (DL)", "ci", "I²"],
    a.pooled.map((p) =>
      isComputed(p)
        ? [
            p.name,
            f(p.equal.estimate, 3),
            ci(p.equal.ci),
            f(p.fixed?.estimate, 3),
            ci(p.fixed?.ci),
            f(p.random?.estimate, 3),
            ci(p.random?.ci),
            p.random ? `${f(p.random.i2, 0)}%` : "",
          ]
        : [p.name, `not computed: ${p.notComputed}`],
    ),
  );
  const g = a.bcSmd;
  return [
    `  multiple baseline: ${a.design.participants} participants; ${a.design.note}`,
    indent(per),
    indent(pooled),
    isComputed(g)
      ? `  design-comparable SMD (HPS): g ${f(g.estimate, 3)} ${ci(g.ci)}, unadjusted ${f(g.unadjusted, 3)}, ` +
        `SE ${f(g.se, 3)}, df ${f(g.df, 1)}, autocorrelation ${f(g.autocorrelation, 3)}, ICC ${f(g.icc, 3)}`
      : `  design-comparable SMD not computed: ${g.notComputed}`,
    ...a.participants.flatMap((p) => visual(`visual analysis of ${p.participant}`, p.visual)),
  ];
}

/** The visual-analysis aids as sentences: the five features at each phase change, then consistency. */
function visual(title: string, v: VisualAnalysis | NotComputed): string[] {
  if (!isComputed(v)) return [`  ${title} not computed: ${v.notComputed}`];
  return [
    `  ${title}:`,
    ...v.changes.flatMap((c) => [`    ${c.from} → ${c.to}`, ...CHANGE_FEATURES.map((k) => `      ${c[k].text}`)]),
    `    ${v.consistency.text}`,
  ];
}

const indent = (s: string) => s.replace(/^/gm, "  ");
