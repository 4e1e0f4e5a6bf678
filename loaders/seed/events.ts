import type { EventType } from "../sources/enums.ts";
import { DAY_MS, phaseOn, SEED_EPOCH_MS, type PlannedUser, type SeedOptions } from "./plan.ts";
import { cuid, mixSeed, Random } from "./random.ts";

export type Row = Record<string, string | number | boolean | null>;

const MIDDLE_TYPES: EventType[] = [
  "CARD_REVIEWED",
  "MISSION_STARTED",
  "MISSION_COMPLETED",
  "VALIDATION_COMPLETED",
  "LECTURE_UPLOADED",
];
const MIDDLE_WEIGHTS = [0.62, 0.1, 0.1, 0.15, 0.03];
const SCORED = new Set<EventType>(["CARD_REVIEWED", "MISSION_COMPLETED", "VALIDATION_COMPLETED"]);
const CONTENT: Partial<Record<EventType, readonly string[]>> = {
  CARD_REVIEWED: ["flashcard", "clinical_case", "image_card"],
  MISSION_STARTED: ["mission"],
  MISSION_COMPLETED: ["mission"],
  VALIDATION_COMPLETED: ["quiz", "clinical_case"],
  LECTURE_UPLOADED: ["lecture", "video"],
};
// Unicode on purpose: exports must keep it intact.
const LECTURES = ["Cardiologie — séance 3", "薬理学 第2回", "Renal physiology 101", "Neuro: Ünit 4", "Ёмкость лёгких"];
const NOTES = ["Slept badly 😴", "Café près de la gare", "Exam week", "Felt focused", "Studied with friends — good"];

/** Events per (user, day), summing exactly to the requested total (largest remainder). */
export function allocate(users: PlannedUser[], options: SeedOptions): Uint32Array {
  const weights = new Float64Array(users.length * options.days);
  let total = 0;
  for (const u of users) {
    const rng = new Random(mixSeed(options.seed, 2, u.index));
    for (let d = 0; d < options.days; d++) {
      // Protocol participants are active every protocol day, so the only gaps in their series are planted ones.
      const active = phaseOn(u, d) !== undefined || rng.next() < u.activity;
      const weekday = (d % 7) + 1; // the epoch is a Monday
      const w = active ? (0.5 + rng.next()) * (weekday >= 6 ? 0.7 : 1) : 0;
      weights[u.index * options.days + d] = w;
      total += w;
    }
  }
  const counts = new Uint32Array(weights.length);
  const remainders: [number, number][] = [];
  let assigned = 0;
  for (let i = 0; i < weights.length; i++) {
    const exact = total > 0 ? (weights[i]! / total) * options.events : 0;
    counts[i] = Math.floor(exact);
    assigned += counts[i]!;
    if (weights[i]! > 0) remainders.push([exact - counts[i]!, i]);
  }
  remainders.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; assigned < options.events && k < remainders.length; k++, assigned++) counts[remainders[k]![1]]!++;
  return counts;
}

export interface DayOutput {
  events: Row[];
  context: Row[];
}

/** All rows of one day, events sorted by (timestamp, id) so the table is stored in time order. */
export function generateDay(users: PlannedUser[], counts: Uint32Array, day: number, options: SeedOptions): DayOutput {
  const events: Row[] = [];
  const context: Row[] = [];
  for (const u of users) {
    const n = counts[u.index * options.days + day]!;
    if (n === 0) continue;
    const rng = new Random(mixSeed(options.seed, 3, u.index, day));
    const dayStart = SEED_EPOCH_MS + day * DAY_MS;
    let contextId: string | null = null;
    if (rng.chance(0.5)) {
      const row = contextRow(u, dayStart + rng.int(6 * 60, 9 * 60 + 59) * 60_000, rng);
      contextId = row.id as string;
      context.push(row);
    }
    userDay(u, n, day, dayStart, contextId, rng, events);
  }
  events.sort((a, b) => (a._t as number) - (b._t as number) || (a.id! < b.id! ? -1 : a.id! > b.id! ? 1 : 0));
  return { events, context };
}

function userDay(
  u: PlannedUser,
  n: number,
  day: number,
  dayStart: number,
  contextId: string | null,
  rng: Random,
  out: Row[],
): void {
  const phase = phaseOn(u, day);
  const dow = new Date(dayStart).getUTCDay();
  const effect = phase && phase.type !== "BASELINE" ? u.protocol!.effect : 0;
  const meanScore = u.baseScore + 4 * Math.sin((2 * Math.PI * dow) / 7) + effect;
  const sessions = Math.max(1, Math.min(6, Math.round(n / 20)));
  // Sessions fall in slots between 06:00 and 23:40 so they never overlap.
  const slotMs = Math.floor(((17 * 60 + 40) * 60_000) / sessions);
  let remaining = n;
  for (let s = 0; s < sessions; s++) {
    const size = s === sessions - 1 ? remaining : Math.floor(n / sessions);
    remaining -= size;
    const markers = u.sessionMarkers && size >= 2;
    const slotStart = dayStart + 6 * 3_600_000 + s * slotMs;
    const stepMax = Math.max(1_000, Math.min(120_000, Math.floor((slotMs * 0.8) / (size + 1))));
    let t = slotStart + rng.int(0, Math.floor(slotMs * 0.15));
    for (let k = 0; k < size; k++) {
      const type: EventType =
        markers && k === 0
          ? "SESSION_STARTED"
          : markers && k === size - 1
            ? "SESSION_ENDED"
            : rng.weighted(MIDDLE_TYPES, MIDDLE_WEIGHTS);
      out.push(eventRow(u, type, t, meanScore, phase, contextId, rng, k));
      t += rng.int(Math.min(1_000, stepMax), stepMax);
    }
  }
}

function eventRow(
  u: PlannedUser,
  type: EventType,
  t: number,
  meanScore: number,
  phase: ReturnType<typeof phaseOn>,
  contextId: string | null,
  rng: Random,
  k: number,
): Row {
  const scored = SCORED.has(type);
  const score = scored ? Math.max(0, Math.min(100, Math.round(meanScore + 8 * rng.normal()))) : null;
  const date = new Date(t);
  const engagement =
    score === null
      ? rng.chance(0.5)
        ? null
        : rng.weighted(["LOW", "MEDIUM", "HIGH"], [1, 2, 1])
      : rng.chance(0.1)
        ? null
        : score > 75
          ? "HIGH"
          : score > 55
            ? "MEDIUM"
            : "LOW";
  const completes = type === "MISSION_COMPLETED" || type === "VALIDATION_COMPLETED";
  const content = CONTENT[type];
  return {
    _t: t,
    id: cuid(t, k, u.index, rng),
    userId: u.id,
    eventType: type,
    eventData: JSON.stringify(eventData(type, rng)),
    timestamp: t,
    sessionPerformanceScore: score,
    engagementLevel: engagement,
    completionQuality: completes ? rng.weighted(["RUSHED", "NORMAL", "THOROUGH"], [1, 3, 1]) : null,
    timeOfDay: date.getUTCHours(),
    dayOfWeek: date.getUTCDay(),
    contentType: content ? rng.pick(content) : null,
    difficultyLevel: content ? rng.weighted(["EASY", "MEDIUM", "HARD"], [2, 3, 1]) : null,
    experimentPhase: phase?.label ?? null,
    randomizationSeed: phase?.seed ?? null,
    contextMetadataId: contextId && rng.chance(0.8) ? contextId : null,
  };
}

function eventData(type: EventType, rng: Random): Record<string, unknown> {
  switch (type) {
    case "SESSION_STARTED":
      return { device: rng.pick(["ios", "android", "web"]), appVersion: `3.${rng.int(0, 9)}.${rng.int(0, 20)}` };
    case "SESSION_ENDED":
      return { reason: rng.pick(["user", "timeout", "background"]) };
    case "CARD_REVIEWED":
      return {
        cardId: `card_${rng.int(1, 5000)}`,
        deckId: `deck_${rng.int(1, 40)}`,
        correct: rng.chance(0.7),
        responseMs: rng.int(800, 30000),
      };
    case "MISSION_STARTED":
      return { missionId: `mission_${rng.int(1, 300)}`, objectives: rng.int(1, 5) };
    case "MISSION_COMPLETED":
      return { missionId: `mission_${rng.int(1, 300)}`, objectivesMet: rng.int(0, 5), minutes: rng.int(3, 60) };
    case "VALIDATION_COMPLETED":
      return { validationId: `val_${rng.int(1, 900)}`, accuracy: Math.round(rng.next() * 1000) / 1000 };
    case "LECTURE_UPLOADED":
      return { title: rng.pick(LECTURES), pages: rng.int(4, 120), tags: ["upload", rng.pick(["pdf", "pptx"])] };
  }
}

function contextRow(u: PlannedUser, t: number, rng: Random): Row {
  const sleep = Math.round(Math.max(3, Math.min(11, 7 + 1.1 * rng.normal())) * 10) / 10;
  const quality = Math.max(1, Math.min(10, Math.round(sleep - 1 + 1.5 * rng.normal())));
  return {
    id: cuid(t, 0, u.index + 1000, rng),
    userId: u.id,
    timestamp: t,
    mood: rng.weighted(["LOW", "MEDIUM", "HIGH"], [1, 3, 2]),
    energyLevel: Math.max(1, Math.min(10, Math.round(quality + rng.normal()))),
    location: rng.weighted(["HOME", "LIBRARY", "CAFE", "CAMPUS", "OTHER"], [5, 2, 1, 3, 1]),
    notes: rng.chance(0.15) ? rng.pick(NOTES) : null,
    sleepHours: sleep,
    sleepQuality: quality,
    hrvScore: Math.round(Math.max(15, Math.min(120, 55 + 15 * rng.normal())) * 10) / 10,
    restingHeartRate: Math.round(Math.max(42, Math.min(95, 62 + 7 * rng.normal()))),
  };
}
