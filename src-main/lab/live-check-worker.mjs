// The live checker's worker entry: load the TypeScript sources through tsx (as bin/ does), then the worker.
import { register } from 'tsx/esm/api';

register();
await import('./live-check-worker.ts');
