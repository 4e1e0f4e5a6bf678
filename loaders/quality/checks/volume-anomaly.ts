import type { CheckModule, CheckTarget } from "../check.ts";
import type { VolumeAnomalyCheck } from "../../datasets/check-spec.ts";

/**
 * The robust spread of log counts is floored at 0.2, so at the default threshold a day must be at least e^(3.5·0.2),
 * about 2×, above or below its weekday's median to be flagged: a flat history (MAD near 0) must not turn an ordinary
 * swing of a small dataset into an anomaly. The check is after collapses and floods, not ±30 % days.
 */
const MIN_SPREAD = 0.2;

function positive(t: CheckTarget, value: unknown, option: string, fallback: number, whole: boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value) || (whole && !Number.isInteger(value)))
    t.fail(`"${option}" must be a positive ${whole ? "whole " : ""}number, got ${JSON.stringify(value)}`);
  return value as number;
}

/**
 * One row per anomalous day (UTC): day, rows, expected (the median of the same weekday over the trailing weeks) and
 * score. With y = ln(rows + 1), the score is a modified z-score (Iglewicz and Hoaglin 1993), (y − m) / (1.4826 · MAD):
 * m is the median y of the same weekday in the trailing weeks (the day of week matters: weekends are quieter), and
 * the MAD is taken over the trailing weeks' residuals y − m of every day, which gives a steadier spread than four
 * to eight same-weekday values. Days between the first and last day with no row count as 0.
 */
export const volumeAnomaly: CheckModule<VolumeAnomalyCheck> = {
  compile(spec, t) {
    const col = t.col(spec.column);
    const weeks = positive(t, spec.weeks, "weeks", 8, true);
    const minWeeks = positive(t, spec.minWeeks, "minWeeks", 4, true);
    const threshold = positive(t, spec.threshold, "threshold", 3.5, false);
    if (minWeeks > weeks) t.fail(`"minWeeks" (${minWeeks}) must be at most "weeks" (${weeks})`);
    const sameWeekday = (a: string, b: string, back: number) =>
      `${b}.day < ${a}.day AND ${b}.day >= ${a}.day - ${back} AND (${a}.day - ${b}.day) % 7 = 0`;
    return {
      sql: `WITH daily AS (SELECT CAST(${col} AS DATE) AS day, count(*) AS n FROM ${t.rows} WHERE ${col} IS NOT NULL GROUP BY 1),
          days AS (SELECT CAST(unnest(generate_series(CAST(min(day) AS TIMESTAMP), CAST(max(day) AS TIMESTAMP), INTERVAL 1 DAY)) AS DATE) AS day FROM daily),
          series AS (SELECT d.day, coalesce(daily.n, 0) AS n, ln(coalesce(daily.n, 0) + 1) AS y FROM days AS d LEFT JOIN daily USING (day)),
          seasonal AS (
            SELECT s.day, s.n, s.y, count(h.day) AS k, median(h.y) AS m, median(h.n) AS expected
            FROM series AS s LEFT JOIN series AS h ON ${sameWeekday("s", "h", 7 * weeks)}
            GROUP BY s.day, s.n, s.y),
          residuals AS (SELECT day, y - m AS r FROM seasonal WHERE k >= 2),
          scored AS (
            SELECT s.day, s.n, s.k, s.expected, (s.y - s.m) / greatest(1.4826 * mad(r.r), ${MIN_SPREAD}) AS z
            FROM seasonal AS s JOIN residuals AS r ON r.day < s.day AND r.day >= s.day - ${7 * weeks}
            WHERE s.k >= ${minWeeks}
            GROUP BY s.day, s.n, s.k, s.expected, s.y, s.m)
        SELECT strftime(day, '%Y-%m-%d') AS day, n AS "rows", expected, round(z, 2) AS score
        FROM scored WHERE abs(z) > ${threshold}`,
      detail: `daily rows vs the same weekday of the previous ${weeks} weeks: |modified z| at most ${threshold}`,
    };
  },
};
