// cpu-prof-hook: preloaded through NODE_OPTIONS="--import <this file>" by bench/profile.ts,
// because Node refuses --cpu-prof in NODE_OPTIONS and the lab forks its nodes itself.
// In every process that loads it (the lab host and each node), the first SIGUSR2 starts
// CPU sampling and the second writes <pid>.cpuprofile into QL_BENCH_PROF_DIR, so the
// profile covers exactly the load window (exit hooks would miss nodes stopped by signals).
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.QL_BENCH_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  let running = false;
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true;
      session.post('Profiler.setSamplingInterval', { interval: 250 });
      session.post('Profiler.enable', () => session.post('Profiler.start'));
      return;
    }
    running = false;
    session.post('Profiler.stop', (err, res) => {
      if (!err && res) writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
