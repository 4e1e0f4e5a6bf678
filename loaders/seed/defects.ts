import type { DayOutput, Row } from "./events.ts";
import { SEED_EPOCH_MS, DAY_MS, type PlannedUser, type SeedOptions } from "./plan.ts";

/** What `--defects` plants, so that tests can check the quality checks find exactly these. */
export interface DefectPlan {
  /** Day on which the first three events are duplicated (same user, type, timestamp and data; new ids). */
  duplicateDay: number;
  duplicates: number;
  /** A protocol participant's day with all events removed: a gap in the daily series. */
  gap: { userId: string; protocolId: string; day: number; date: string } | null;
  /** One event relabelled with a phase that the user's PhaseAssignment does not have. */
  unknownPhase: { userId: string; day: number; label: string } | null;
  /** One scored event with a score above 100. */
  outOfRange: { day: number; score: number };
  /**
   * A day that keeps a tenth of its events, late enough to have four weeks of history before it: a volume anomaly.
   * Protocol participants keep one event each, so the day adds no gap to their series.
   */
  lowVolume: { day: number; date: string; keep: number; participants: string[] };
}

export function planDefects(users: PlannedUser[], options: SeedOptions): DefectPlan {
  const participant = users.find((u) => u.protocol);
  const phases = participant?.protocol?.phases;
  const gapDay = phases ? phases[2]!.startDay + 2 : -1;
  const taken = new Set([Math.floor(options.days / 2), Math.floor(options.days / 3), gapDay, phases?.[1]?.startDay]);
  let lowDay = options.days - 6;
  while (taken.has(lowDay)) lowDay--;
  return {
    duplicateDay: Math.floor(options.days / 2),
    duplicates: 3,
    gap: participant
      ? {
          userId: participant.id,
          protocolId: participant.protocol!.id,
          day: gapDay,
          date: dateOf(gapDay),
        }
      : null,
    unknownPhase: participant ? { userId: participant.id, day: phases![1]!.startDay, label: "baseline_9" } : null,
    outOfRange: { day: Math.floor(options.days / 3), score: 140 },
    lowVolume: {
      day: lowDay,
      date: dateOf(lowDay),
      keep: 0.1,
      participants: users.filter((u) => u.protocol).map((u) => u.id),
    },
  };
}

const dateOf = (day: number) => new Date(SEED_EPOCH_MS + day * DAY_MS).toISOString().slice(0, 10);

/** Keeps a tenth of the day's events: one of each protocol participant, then the earliest others. */
function thin(plan: DefectPlan["lowVolume"], out: DayOutput): void {
  const target = Math.round(out.events.length * plan.keep);
  const participants = new Set(plan.participants);
  const kept = new Set<Row>();
  for (const e of out.events)
    if (participants.has(e.userId as string)) {
      kept.add(e);
      participants.delete(e.userId as string);
    }
  for (const e of out.events) if (kept.size < target) kept.add(e);
  out.events = out.events.filter((e) => kept.has(e));
}

/** Plants the defects of one day in place. Each defect touches its own rows, so none is counted twice. */
export function applyDefects(plan: DefectPlan, day: number, out: DayOutput): void {
  // First: the defects below then pick among the rows that remain.
  if (day === plan.lowVolume.day) thin(plan.lowVolume, out);
  if (plan.gap && day === plan.gap.day) out.events = out.events.filter((e) => e.userId !== plan.gap!.userId);
  const duplicated = new Set<unknown>();
  if (day === plan.duplicateDay) {
    const originals = out.events.slice(0, plan.duplicates);
    const copies: Row[] = originals.map((e, k) => ({
      ...e,
      // Same cuid shape, different id: a retried client write.
      id: `${(e.id as string).slice(0, 21)}${"dup".concat(String(k)).padStart(4, "z")}`,
    }));
    for (const e of [...originals, ...copies]) duplicated.add(e.id);
    out.events.push(...copies);
    out.events.sort((a, b) => (a._t as number) - (b._t as number) || (a.id! < b.id! ? -1 : 1));
  }
  const untouched = (e: Row) => !duplicated.has(e.id);
  if (plan.unknownPhase && day === plan.unknownPhase.day) {
    const e = out.events.find((e) => e.userId === plan.unknownPhase!.userId && untouched(e));
    if (e) {
      e.experimentPhase = plan.unknownPhase.label;
      duplicated.add(e.id);
    }
  }
  if (day === plan.outOfRange.day) {
    const e = out.events.find((e) => e.sessionPerformanceScore !== null && untouched(e));
    if (e) e.sessionPerformanceScore = plan.outOfRange.score;
  }
}
