/**
 * The seed document's API at POST /: `{"type":"store","key","value"}` and
 * `{"type":"fetch","key"}`, answered in the seed's own words, carried out as a linearizable
 * put / get through the lab's gateway (so it is replicated like everything else).
 */
import { isRecord, validateKvRequest } from '../api/schemas';
import type { LabApi } from '../api/commands';

/** SeedAnswer is the HTTP status and body of a seed-API answer. */
export interface SeedAnswer {
  status: number;
  body: Record<string, unknown>;
}

const error = (status: number, message: string): SeedAnswer => ({ status, body: { status: 'error', message } });

/** handleSeed answers one seed-API request. */
export async function handleSeed(lab: Pick<LabApi, 'kv'>, body: unknown): Promise<SeedAnswer> {
  if (!isRecord(body)) return error(400, 'Invalid request type');
  if (body.type === 'store') {
    // The seed stores whatever JSON value it is given; strings go in as they are, others as JSON text.
    if (body.value === undefined) return error(400, 'value is required');
    const value = typeof body.value === 'string' ? body.value : JSON.stringify(body.value);
    const v = validateKvRequest({ op: 'put', key: body.key, value });
    if (!v.ok) return error(400, v.error);
    const r = await lab.kv(v.value);
    if (r.outcome === 'ok') return { status: 200, body: { status: 'success', message: 'Data stored successfully' } };
    return error(r.outcome === 'unknown' ? 504 : 503, `Data not stored: ${r.error ?? r.outcome}`);
  }
  if (body.type === 'fetch') {
    const v = validateKvRequest({ op: 'get', key: body.key });
    if (!v.ok) return error(400, v.error);
    const r = await lab.kv(v.value);
    if (r.outcome !== 'ok')
      return error(r.outcome === 'unknown' ? 504 : 503, `Data not fetched: ${r.error ?? r.outcome}`);
    if (r.value === null) return error(404, 'Data not found');
    return { status: 200, body: { status: 'success', message: 'Data fetched successfully', value: r.value } };
  }
  return error(400, 'Invalid request type');
}
