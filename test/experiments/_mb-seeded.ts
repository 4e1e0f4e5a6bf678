import type { MbParticipant, SeriesPoint } from "../../loaders/analysis/index.ts";
import { allocate, generateDay } from "../../loaders/seed/events.ts";
import { DAY_MS, planStudy, SEED_EPOCH_MS, type PlannedUser, type SeedOptions } from "../../loaders/seed/plan.ts";
import { mixSeed, Random } from "../../loaders/seed/random.ts";

/** A multiple-baseline protocol over seeded participants, with the effect it plants. */
export interface SeededMb {
  effect: number;
  participants: MbParticipant[];
}

/**
 * Multiple-baseline protocols drawn with the seed generator's own participants and event model (loaders/seed):
 * `labbook seed` cannot plant them yet, as phase_assignments has no participant column. Each protocol covers
 * `sizes[k]` seeded users over `length` days; participant j's baseline ends 5–7 + 4j(±1) days in, so the starts are
 * staggered, and the intervention days carry `effects[k]` points (on the daily mean score, as for the AB protocols).
 * The series are the daily mean sessionPerformanceScore, the value phase_observations carries.
 */
export function seededMultipleBaselines(
  base: Pick<SeedOptions, "seed" | "days">,
  designs: { size: number; effect: number }[],
  eventsPerDay = 10,
): SeededMb[] {
  const length = base.days;
  const users = designs.reduce((s, d) => s + d.size, 0);
  const options: SeedOptions = {
    users,
    days: length,
    events: users * length * eventsPerDay,
    seed: base.seed,
    protocolShare: 0,
    defects: false,
  };
  const plan = planStudy(options);
  const rng = new Random(mixSeed(base.seed, 91));
  let next = 0;
  const protocols = designs.map((d, k) => {
    const members = plan.slice(next, next + d.size);
    next += d.size;
    members.forEach((u, j) => {
      const switchDay = rng.int(5, 7) + 4 * j + rng.int(-1, 1);
      u.protocol = {
        id: `mb${k}`,
        name: `MB ${k + 1}`,
        hypothesis: "",
        effect: d.effect,
        seed: k,
        phases: [
          {
            id: `mb${k}a${j}`,
            label: "baseline_1",
            type: "BASELINE",
            startDay: 0,
            endDay: switchDay,
            seed: 0,
            params: null,
          },
          {
            id: `mb${k}b${j}`,
            label: "intervention_A_1",
            type: "INTERVENTION_A",
            startDay: switchDay,
            endDay: length,
            seed: 1,
            params: null,
          },
        ],
      };
    });
    return { effect: d.effect, members };
  });
  const daily = dailyMeans(plan, options);
  return protocols.map(({ effect, members }) => ({
    effect,
    participants: members.map((u) => ({ participant: u.id, series: seriesOf(u, daily.get(u.id) ?? new Map()) })),
  }));
}

/** Per user and day, the mean sessionPerformanceScore of the day's events (days without a score are absent). */
function dailyMeans(plan: PlannedUser[], options: SeedOptions): Map<string, Map<number, number>> {
  const counts = allocate(plan, options);
  const sums = new Map<string, Map<number, [number, number]>>();
  for (let day = 0; day < options.days; day++) {
    for (const e of generateDay(plan, counts, day, options).events) {
      const score = e.sessionPerformanceScore;
      if (typeof score !== "number") continue;
      const byDay = sums.get(e.userId as string) ?? new Map<number, [number, number]>();
      sums.set(e.userId as string, byDay);
      const acc = byDay.get(day) ?? [0, 0];
      byDay.set(day, [acc[0] + score, acc[1] + 1]);
    }
  }
  return new Map([...sums].map(([u, byDay]) => [u, new Map([...byDay].map(([d, [s, n]]) => [d, s / n]))]));
}

function seriesOf(u: PlannedUser, daily: Map<number, number>): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  for (const phase of u.protocol!.phases) {
    for (let day = phase.startDay; day < phase.endDay; day++) {
      const value = daily.get(day);
      if (value === undefined) continue;
      const date = new Date(SEED_EPOCH_MS + day * DAY_MS).toISOString().slice(0, 10);
      out.push({ date, day, value, phaseLabel: phase.label, phaseType: phase.type });
    }
  }
  return out;
}
