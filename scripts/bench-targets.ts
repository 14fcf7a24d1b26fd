// Checks runs of `ganstyle bench --json --threads 2` against the performance targets of
// docs/performance.md: each target's value per run and its median over the runs. Exit code 1 when a
// median misses its target.
// Run: npx ganstyle bench --json --threads 2 > run1.jsonl   (a few times, minutes apart)
//      npx tsx scripts/bench-targets.ts run1.jsonl run2.jsonl run3.jsonl
import { readFileSync } from 'node:fs';
import type { BenchRow } from '../bench/report.js';
import { medianChecks } from '../bench/targets.js';

/** The JSON rows of a `bench --json` output (other lines — none on stdout, but a copy of stderr — skipped). */
function readRun(file: string): BenchRow[] {
  const rows = readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as BenchRow);
  if (rows.length === 0) throw new Error(`${file}: no JSON rows (write it with ganstyle bench --json)`);
  return rows;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: npx tsx scripts/bench-targets.ts RUN.jsonl [RUN.jsonl …]');
  process.exit(2);
}
const checks = medianChecks(files.map(readRun));
for (const c of checks) {
  const runs = c.runs.map((v) => `${v >= c.min ? '' : '*'}${v.toFixed(2)}`).join(' ');
  console.log(`${c.value >= c.min ? 'ok  ' : 'MISS'} ${c.target}: median ${c.value.toFixed(2)} (target ≥ ${c.min}); runs ${runs}`);
}
const misses = checks.filter((c) => c.value < c.min).length;
console.log(`${checks.length - misses} of ${checks.length} targets met by the median of ${files.length} run(s) (* marks a run below the target)`);
process.exit(misses > 0 ? 1 : 0);
