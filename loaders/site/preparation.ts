/** What preparing the site data did (prepare.ts), apart so that first-pins.ts, which prepare.ts loads, can name it. */
export type Preparation =
  | { action: "ready" }
  | { action: "created"; seeded: boolean; versions: Record<string, string> }
  | { action: "pulled"; objects: number; bytes: number };
