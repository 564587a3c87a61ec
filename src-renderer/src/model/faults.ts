/** The fault periods of a run are folded by the report module (src-main/report/faults.ts), shared with the run export. */
export { FaultLog, faultPeriods, MAX_FAULT_PERIODS } from '../../../src-main/report/faults';
export type { FaultKind, FaultPeriod } from '../../../src-main/report/faults';
