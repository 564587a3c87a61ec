/**
 * The lab's run files: exporting the current run to a folder inside the data folder, and
 * reading a saved one back. run-files.ts and safe-files.ts do the file work; this turns
 * their refusals into LabErrors. LabService delegates exportRun and openRun here.
 */
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { ExportResult, SavedRun } from '../api/contract';
import { runNameError } from '../api/schemas';
import { runReportFiles } from '../report/run-report';
import { exportCheck } from './check';
import type { Cluster } from './cluster';
import { ClusterStoreError } from './cluster-store';
import { LabError } from './lab-error';
import { createRunFolder, defaultRunName, readRun, writeRunFiles } from './run-files';
import { SafeFileError } from './safe-files';
import type { ShardLab } from './shard-lab';

/** RunFilesDeps is what an export needs from the lab: the data folder and the running cluster. */
export interface RunFilesDeps {
  dataDir: string;
  /** need is the running cluster, or a 409. */
  need(): Cluster;
  /** sharded is the running cluster's shard lab, or null for one group. */
  sharded(): ShardLab | null;
}

/**
 * exportRun writes the run (run.jsonl, history.jsonl, settings.json, check.json, and the
 * report: latency.svg, throughput.svg, messages.svg, index.html) to a new
 * folder `name` inside the data folder (default: a timestamped name). It never
 * overwrites (409 if the folder exists) and never follows a link.
 */
export async function exportRun(d: RunFilesDeps, name?: string): Promise<ExportResult> {
  const c = d.need();
  const out = await fileOp(() => createRunFolder(d.dataDir, checkName(name ?? defaultRunName())));
  const history = c.recorder.history();
  const readBack = (key: string) =>
    d.sharded()?.request({ op: 'get', key }, 2000) ?? c.gateway.request({ op: 'get', key }, 2000);
  const check = await exportCheck(history, readBack);
  c.recorder.record('export', { dir: out, check: check.summary });
  await c.recorder.sync();
  const lin = check.linearizability;
  const culprits = 'violation' in lin && lin.violation ? lin.violation.window.map((w) => w.time) : [];
  const extra = runReportFiles({
    log: c.recorder.log(),
    history,
    settings: c.settings,
    check: { ok: check.ok, summary: check.summary },
    violationT: culprits.length > 0 ? Math.min(...culprits) : null,
    name: basename(out),
  });
  const files = await fileOp(() =>
    writeRunFiles(out, c.runDir, {
      settings: JSON.stringify(c.settings, null, 2) + '\n',
      check: JSON.stringify(check, null, 2) + '\n',
      extra,
    }),
  );
  return { dir: out, files, check: { ok: check.ok, summary: check.summary } };
}

/** fileOp runs a run-file or kept-cluster operation, turning its refusal into a LabError with the same status. */
export async function fileOp<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (e instanceof SafeFileError || e instanceof ClusterStoreError) throw new LabError(e.status, e.message);
    throw e;
  }
}

/**
 * openRun reads the saved run `name` from the data folder `dataDir`. The absolute `dir` an
 * export returned is accepted too, as long as it names a folder directly inside the data folder.
 */
export async function openRun(dataDir: string, name?: string): Promise<SavedRun> {
  // Only the desktop window calls without a name, and its main process answers that with a dialog.
  if (name === undefined) throw new LabError(400, "name is required: the name of a saved run in the lab's data folder");
  const inside = isAbsolute(name) && dirname(resolve(name)) === dataDir ? basename(resolve(name)) : name;
  return fileOp(() => readRun(join(dataDir, checkName(inside))));
}

/** checkName refuses anything but a plain folder name (the HTTP and IPC adapters check first; this is the second line). */
export function checkName(name: string): string {
  const err = runNameError(name);
  if (err) throw new LabError(400, err);
  return name;
}
