/**
 * Writes docs/scenario.schema.json from src-main/scenario/schema.ts (the validator enforces
 * that object; test/scenario/schema.test.ts keeps the published file identical to it).
 * Run: node --import tsx scripts/scenario-schema.ts && npx prettier --write docs/scenario.schema.json
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SCENARIO_SCHEMA } from '../src-main/scenario/schema';

const out = fileURLToPath(new URL('../docs/scenario.schema.json', import.meta.url));
writeFileSync(out, JSON.stringify(SCENARIO_SCHEMA, null, 2) + '\n');
console.log(`wrote ${out}`);
