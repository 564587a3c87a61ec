/** The renderer's bounded FIFO is the report module's (src-main/report/ring.ts), shared with the run export. */
export { Ring } from '../../../src-main/report/ring';
