import { cuid, mixSeed, Random } from "./random.ts";
import type { PhaseType } from "../sources/enums.ts";

/** Every seeded time counts from this fixed Monday, never from the clock, so a seed always gives the same rows. */
export const SEED_EPOCH_MS = Date.UTC(2025, 5, 2);
export const DAY_MS = 86_400_000;

export interface SeedOptions {
  users: number;
  days: number;
  events: number;
  seed: number;
  /** Share of users who run an ABAB protocol. */
  protocolShare: number;
  /** Plant the known defects that quality checks must catch (see defects.ts). */
  defects: boolean;
}

export const DEFAULT_SEED_OPTIONS: SeedOptions = {
  users: 60,
  days: 120,
  events: 200_000,
  seed: 42,
  protocolShare: 0.25,
  defects: false,
};

export interface PlannedPhase {
  id: string;
  label: string;
  type: PhaseType;
  /** First day (inclusive), counted from the epoch. */
  startDay: number;
  /** Day after the last (exclusive). */
  endDay: number;
  seed: number;
  params: Record<string, unknown> | null;
}

export interface PlannedProtocol {
  id: string;
  name: string;
  hypothesis: string;
  /** The true intervention effect on the daily mean score, in points. Some are zero. */
  effect: number;
  seed: number;
  phases: PlannedPhase[];
}

export interface PlannedUser {
  index: number;
  id: string;
  /** The user's typical score. */
  baseScore: number;
  /** Probability of being active on a given day. */
  activity: number;
  /** Legacy clients send no SESSION_STARTED/ENDED events; sessions are then cut at 30-minute gaps. */
  sessionMarkers: boolean;
  protocol: PlannedProtocol | null;
}

const EFFECTS = [0, 6, 10, 15];
const HYPOTHESES = [
  "Daily push reminders raise the mean session performance score.",
  "Spaced-repetition scheduling raises the mean session performance score.",
  "Short pre-session retrieval practice raises the mean session performance score.",
  "Adaptive difficulty raises the mean session performance score.",
];
const INTERVENTIONS = [
  { name: "Push reminders", params: { reminder: "push", perDay: 2 } },
  { name: "Spaced repetition", params: { scheduler: "sm2", maxInterval: 21 } },
  { name: "Retrieval warm-up", params: { warmupCards: 5 } },
  { name: "Adaptive difficulty", params: { targetAccuracy: 0.8 } },
];

/** The users, their protocols and phases: the small part of the data, decided before any event is drawn. */
export function planStudy(options: SeedOptions): PlannedUser[] {
  const rng = new Random(mixSeed(options.seed, 1));
  const users: PlannedUser[] = [];
  let protocols = 0;
  for (let i = 0; i < options.users; i++) {
    const id = cuid(SEED_EPOCH_MS - (options.users - i) * 3_600_000, i, 7, rng);
    const runsProtocol = rng.next() < options.protocolShare && options.days >= 24;
    const user: PlannedUser = {
      index: i,
      id,
      baseScore: 55 + rng.next() * 20,
      activity: 0.35 + rng.next() * 0.5,
      sessionMarkers: rng.next() > 0.1,
      protocol: null,
    };
    if (runsProtocol) user.protocol = planProtocol(protocols++, options, rng);
    users.push(user);
  }
  return users;
}

function planProtocol(n: number, options: SeedOptions, rng: Random): PlannedProtocol {
  // ABAB: four phases of at least 5 days each, lengths drawn from the seed.
  const lengths = [0, 1, 2, 3].map(() => rng.int(5, 10));
  const total = lengths.reduce((a, b) => a + b, 0);
  let day = rng.int(0, Math.max(0, options.days - total - 1));
  const seed = rng.int(1, 2 ** 31 - 1);
  const intervention = INTERVENTIONS[n % INTERVENTIONS.length]!;
  const protocolId = cuid(SEED_EPOCH_MS + day * DAY_MS, n, 11, rng);
  const labels: [string, PhaseType][] = [
    ["baseline_1", "BASELINE"],
    ["intervention_A_1", "INTERVENTION_A"],
    ["baseline_2", "BASELINE"],
    ["intervention_A_2", "INTERVENTION_A"],
  ];
  const phases = labels.map(([label, type], k) => {
    const phase: PlannedPhase = {
      id: cuid(SEED_EPOCH_MS + day * DAY_MS, n * 4 + k, 13, rng),
      label,
      type,
      startDay: day,
      endDay: day + lengths[k]!,
      seed: mixSeed(seed, k) >>> 1,
      params: type === "BASELINE" ? null : intervention.params,
    };
    day = phase.endDay;
    return phase;
  });
  return {
    id: protocolId,
    name: `${intervention.name} P${String(n + 1).padStart(2, "0")}`,
    hypothesis: HYPOTHESES[n % HYPOTHESES.length]!,
    effect: EFFECTS[n % EFFECTS.length]!,
    seed,
    phases,
  };
}

/** The phase a user is in on a day, if any. */
export function phaseOn(user: PlannedUser, day: number): PlannedPhase | undefined {
  return user.protocol?.phases.find((p) => day >= p.startDay && day < p.endDay);
}
