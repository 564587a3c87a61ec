/**
 * The linearizability checker (pure): batch (checkHistory), live (LiveChecker), the models
 * and the history parsers. See check.ts, search.ts and witness.ts for how it works.
 */
export { checkHistory, checkOperations, partition, MODEL_NAMES, type CheckOptions, type ModelName } from './check';
export { HistoryError, pairHistory, normalizeF } from './history';
export type * from './types';
export { LiveChecker, type LiveOptions, type LiveVerdict } from './live';
export { parseHistory, type ParsedHistory, type HistoryFormat } from './parse/formats';
export { formatReport } from './report';
