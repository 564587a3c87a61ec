#!/usr/bin/env node
// quorum-lab: the command-line entry. Loads the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

register();
const here = dirname(fileURLToPath(import.meta.url));
const { main } = await import(join(here, '..', 'src-main', 'cli.ts'));
process.exitCode = await main(process.argv.slice(2));
