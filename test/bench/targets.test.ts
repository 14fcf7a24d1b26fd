// bench/targets.ts: the targets computed from a run's rows, and their medians over runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BenchRow } from '../../bench/report.js';
import { evaluateTargets, medianChecks } from '../../bench/targets.js';

/** A complete run in which ganstyle is `speed` × a baseline everywhere (2-thread GEMMs `scale` × 1-thread). */
function run(speed: number, scale: number): BenchRow[] {
  const rows: BenchRow[] = [{ name: 'ceiling', shape: 'c', backend: 'wasm-simd', threads: 1, ms: 1, gflops: 50 }];
  const r = (name: string, shape: string, backend: string, threads: number, gflops: number, ms = 1): BenchRow => ({ name, shape, backend, threads, ms, gflops });
  for (const s of ['512x512x512', '1024x1024x1024']) {
    for (const v of ['NN', 'NT', 'TN', 'TT']) {
      rows.push({ ...r('gemm', `${s} ${v}`, 'ganstyle-wasm-simd', 1, 40 * speed), ceiling: 52 });
      rows.push(r('gemm', `${s} ${v}`, 'ganstyle-wasm-simd', 2, 40 * speed * scale), r('gemm', `${s} ${v}`, 'tfjs-wasm', 1, 30));
    }
  }
  for (const s of ['3->64 256x256', '64->64 256x256', '128->128 128x128', '256->256 64x64', '512->512 32x32']) {
    for (const t of [1, 2]) {
      rows.push(r('conv2d', s, 'tfjs-wasm', t, 30 * t), r('conv2d', s, 'ganstyle-wasm-simd-resident', t, 30 * t * speed));
      rows.push(r('conv2d_bwd', s, 'ganstyle-wasm-simd-resident', t, 30 * t * speed));
    }
  }
  rows.push(r('gan_step', 'mlp batch 64', 'ganstyle-wasm-simd', 2, 50, 30 / speed), r('gan_step', 'mlp batch 64', 'tfjs-wasm', 2, 2, 600));
  return rows;
}

test('evaluateTargets: every target of a run, against the ceiling measured beside the gemm row', () => {
  const checks = evaluateTargets(run(1.15, 1.9)); // gemm 46 GFLOP/s: 88 % of its row's ceiling (52), 92 % of the run's (50)
  assert.equal(checks.length, 8 * 3 + 5 * 2 * 2 + 2);
  const ceil = checks.find((c) => c.target === 'gemm 512x512x512 NT, 1 thread: fraction of the ceiling')!;
  assert.ok(Math.abs(ceil.value - 46 / 52) < 1e-12);
  assert.ok(ceil.value < ceil.min);
  const scale = checks.find((c) => c.target === 'gemm 1024x1024x1024 TT: 2 threads ÷ 1 thread')!;
  assert.ok(Math.abs(scale.value - 1.9) < 1e-12 && scale.value >= scale.min);
  const step = checks.find((c) => c.target === 'gan_step, 2 threads: steps/s')!;
  assert.ok(Math.abs(step.value - 1000 / (30 / 1.15)) < 1e-9);
});

test('evaluateTargets: scaling from the one-thread time of the same rounds when the 2-thread row has it', () => {
  const rows = run(1.15, 1.5).map((r) => (r.name === 'gemm' && r.threads === 2 && r.shape === '512x512x512 TN' ? { ...r, ms: 2, oneThreadMs: 3.9 } : r));
  const checks = evaluateTargets(rows);
  const tn = checks.find((c) => c.target === 'gemm 512x512x512 TN: 2 threads ÷ 1 thread')!;
  assert.ok(Math.abs(tn.value - 1.95) < 1e-12, `${tn.value}`);
  const nn = checks.find((c) => c.target === 'gemm 512x512x512 NN: 2 threads ÷ 1 thread')!;
  assert.ok(Math.abs(nn.value - 1.5) < 1e-12, 'a row without it: the two sections\' rows');
});

test('evaluateTargets: a run without a needed row (--only, --no-peers) is refused by name', () => {
  const rows = run(1.2, 1.9).filter((r) => !(r.name === 'gan_step' && r.backend === 'tfjs-wasm'));
  assert.throws(() => evaluateTargets(rows), /no row gan_step mlp batch 64 tfjs-wasm\/2/);
});

test('medianChecks: the median over runs, odd and even counts', () => {
  const three = medianChecks([run(1.2, 1.3), run(1.2, 1.9), run(1.2, 2.0)]);
  const s3 = three.find((c) => c.target === 'gemm 512x512x512 NN: 2 threads ÷ 1 thread')!;
  assert.deepEqual(s3.runs.map((v) => Number(v.toFixed(6))), [1.3, 1.9, 2]);
  assert.ok(Math.abs(s3.value - 1.9) < 1e-12);
  const two = medianChecks([run(1.2, 1.3), run(1.2, 1.9)]);
  assert.ok(Math.abs(two.find((c) => c.target === s3.target)!.value - 1.6) < 1e-12);
});
