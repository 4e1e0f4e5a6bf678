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
  /**
   * Plant two multiple-baseline protocols across participants (see MB_DESIGNS) among the users without an ABAB
   * protocol, when there are enough of them and days. `labbook seed` does; left out, none are planted.
   */
  multipleBaseline?: boolean;
}

export const DEFAULT_SEED_OPTIONS: SeedOptions = {
  users: 60,
  days: 120,
  events: 200_000,
  seed: 42,
  protocolShare: 0.25,
  defects: false,
};

/** What `labbook seed` and a first build seed: the defaults, with the two multiple-baseline protocols. */
export const SEED_COMMAND_OPTIONS: SeedOptions = { ...DEFAULT_SEED_OPTIONS, multipleBaseline: true };

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
  /** "MULTIPLE_BASELINE": one protocol over several users, each with their own phases; otherwise ABAB. */
  design?: "ABAB" | "MULTIPLE_BASELINE";
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
  if (options.multipleBaseline) planMultipleBaselines(users, options);
  return users;
}

/**
 * The multiple-baseline protocols `labbook seed` plants: one whose intervention raises the score, over four
 * participants, and one without an effect, over three. Each participant's intervention starts on another day.
 */
export const MB_DESIGNS = [
  { name: "Spaced repetition MB", effect: 10, participants: 4 },
  { name: "Retrieval warm-up MB", effect: 0, participants: 3 },
] as const;

/** Days of a seeded multiple-baseline protocol; participant j's baseline ends 6 + 5j (±1) days in. */
export const MB_DAYS = 42;

/**
 * Gives the multiple-baseline participants their protocol: users without an ABAB protocol, from the last one
 * backwards, so the ABAB protocols and every other user's plan stay as they were. Drawn from a stream of their own.
 */
function planMultipleBaselines(users: PlannedUser[], options: SeedOptions): void {
  const free = users.filter((u) => !u.protocol).reverse();
  const needed = MB_DESIGNS.reduce((n, d) => n + d.participants, 0);
  if (free.length < needed || options.days < MB_DAYS + 2) return;
  const rng = new Random(mixSeed(options.seed, 91));
  let next = 0;
  MB_DESIGNS.forEach((design, k) => {
    const start = rng.int(0, options.days - MB_DAYS - 1);
    const id = cuid(SEED_EPOCH_MS + start * DAY_MS, 1000 + k, 17, rng);
    const seed = rng.int(1, 2 ** 31 - 1);
    const intervention = INTERVENTIONS[(k + 1) % INTERVENTIONS.length]!;
    for (let j = 0; j < design.participants; j++) {
      const user = free[next++]!;
      const end = start + 6 + 5 * j + rng.int(-1, 1);
      const phase = (label: string, type: PhaseType, from: number, to: number, n: number): PlannedPhase => ({
        id: cuid(SEED_EPOCH_MS + from * DAY_MS, 1000 + k * 64 + j * 2 + n, 19, rng),
        label,
        type,
        startDay: from,
        endDay: to,
        seed: mixSeed(seed, j * 2 + n) >>> 1,
        params: type === "BASELINE" ? null : intervention.params,
      });
      user.protocol = {
        id,
        design: "MULTIPLE_BASELINE",
        name: design.name,
        hypothesis: `${HYPOTHESES[(k + 1) % HYPOTHESES.length]!} (multiple baseline across participants)`,
        effect: design.effect,
        seed,
        phases: [
          phase("baseline_1", "BASELINE", start, end, 0),
          phase("intervention_A_1", "INTERVENTION_A", end, start + MB_DAYS, 1),
        ],
      };
      // Participants are active every protocol day, as ABAB participants are.
    }
  });
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
