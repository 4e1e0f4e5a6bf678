#!/usr/bin/env node
// The CLI is TypeScript run directly: tsx registers its loader, then the entry is imported.
import { register } from "tsx/esm/api";

register();
await import("../loaders/cli/main.ts");
