// `ganstyle bench --quick --json` as a user runs it (compiled dist/src/cli.js): every stdout line is
// one result object with exactly the documented keys, every benchmark shows up for ganstyle, and the
// in-process peers show up at 1 and 2 threads when their devDependencies are installed (else the
// bench must say why it skipped them). No timing assertions: the machine may be busy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../helpers/shared.js';

const cli = path.join(projectRoot, 'dist/src/cli.js');
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 600_000 });
const installed = (pkg: string) => existsSync(path.join(projectRoot, 'node_modules', pkg, 'package.json'));

interface Row {
  name: string;
  shape: string;
  backend: string;
  threads: number;
  ms: number;
  gflops: number;
  oneThreadMs?: number;
}

test('bench --quick --json: one JSON result per line with name, shape, backend, threads, ms, gflops', () => {
  const r = run('bench', '--quick', '--json');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const rows = lines.map((l) => JSON.parse(l) as Row);
  for (const row of rows) {
    // ganstyle's 2-thread gemm rows also carry the same case's time on one thread, from the same rounds
    const scaled = row.name === 'gemm' && row.backend === 'ganstyle-wasm-simd' && row.threads === 2;
    assert.deepEqual(Object.keys(row), ['name', 'shape', 'backend', 'threads', 'ms', 'gflops', ...(scaled ? ['oneThreadMs'] : [])], JSON.stringify(row));
    if (scaled) assert.ok(Number.isFinite(row.oneThreadMs) && row.oneThreadMs! > 0, JSON.stringify(row));
    assert.ok(typeof row.name === 'string' && typeof row.shape === 'string' && row.shape.length > 0, JSON.stringify(row));
    assert.ok(Number.isInteger(row.threads) && row.threads >= 1, JSON.stringify(row));
    assert.ok(Number.isFinite(row.ms) && row.ms > 0 && Number.isFinite(row.gflops) && row.gflops >= 0, JSON.stringify(row));
  }
  const names = (backend: RegExp) => new Set(rows.filter((x) => backend.test(x.backend)).map((x) => x.name));
  assert.deepEqual(names(/^wasm-/), new Set(['ceiling']));
  assert.deepEqual(names(/^ganstyle-/), new Set(['gemm', 'conv2d', 'conv2d_bwd', 'gan_step', 'vgg_fwd_bwd', 'fast_style']));
  // the opt-in relaxed-SIMD build: its FMA ceiling and gemm rows at 1 thread, beside the plain SIMD ones
  assert.deepEqual(names(/^(ganstyle-)?wasm-relaxed$/), new Set(['ceiling', 'gemm']));
  const main = (x: Row) => x.backend.startsWith('ganstyle-') && x.backend !== 'ganstyle-wasm-relaxed' && !x.backend.endsWith('-resident');
  // conv2d and its backward also on resident operands, for every shape and thread count
  for (const name of ['conv2d', 'conv2d_bwd']) {
    const convShapes = (b: (x: Row) => boolean) => rows.filter((x) => x.name === name && b(x)).map((x) => `${x.shape}/${x.threads}`).sort();
    assert.ok(convShapes(main).length > 0, name);
    assert.deepEqual(convShapes((x) => x.backend.endsWith('-resident')), convShapes(main), name);
  }
  assert.deepEqual(names(/-resident$/), new Set(['conv2d', 'conv2d_bwd']));
  const ganstyleVgg = rows.filter((x) => x.backend.startsWith('ganstyle-') && x.name === 'vgg_fwd_bwd' && x.threads === 1).map((x) => x.shape.split(' ').at(-1));
  assert.deepEqual(ganstyleVgg.sort(), ['dx', 'dx+dw']);
  // ganstyle runs every case at 1 thread and again on its 2-thread pool (--threads defaults to 2).
  const ganstyleCases = (threads: number) => rows.filter((x) => main(x) && x.threads === threads).map((x) => `${x.name} ${x.shape}`).sort();
  assert.ok(ganstyleCases(1).length > 0);
  assert.deepEqual(ganstyleCases(2), ganstyleCases(1));
  assert.ok(rows.filter((x) => x.backend.startsWith('ganstyle-')).every((x) => x.threads === 1 || x.threads === 2));

  const peers: [string, string, string[]][] = [
    ['tfjs-wasm', '@tensorflow/tfjs-backend-wasm', ['gemm', 'conv2d', 'gan_step', 'vgg_fwd_bwd', 'fast_style']],
    ['ort-wasm', 'onnxruntime-web', ['gemm', 'conv2d']],
  ];
  for (const [backend, pkg, expected] of peers) {
    if (!installed(pkg)) {
      assert.match(r.stderr, new RegExp(`skipped ${backend}`), `${pkg} is not installed: the bench must say it skipped it`);
      continue;
    }
    for (const threads of [1, 2]) {
      const got = new Set(rows.filter((x) => x.backend === backend && x.threads === threads).map((x) => x.name));
      assert.deepEqual(got, new Set(expected), `${backend} at ${threads} thread(s)`);
      // the same GEMM and conv2d shapes as ganstyle's rows
      for (const name of ['gemm', 'conv2d']) {
        const shapes = (b: (x: Row) => boolean) => rows.filter((x) => x.name === name && b(x)).map((x) => x.shape).sort();
        assert.deepEqual(shapes((x) => x.backend === backend && x.threads === threads), shapes((x) => main(x) && x.threads === 1));
      }
      // ganstyle's backward set beside the peer's forward, per shape
      assert.match(r.stderr, new RegExp(`conv2d_bwd GFLOP/s vs a peer's conv2d forward: 3->8 16x16, ${threads} thread\\(s\\): ganstyle-wasm-simd [0-9.]+ \\([0-9.]+×\\), ganstyle-wasm-simd-resident [0-9.]+ \\([0-9.]+×\\) vs ${backend}'s forward`));
    }
  }
});

test('bench rejects a bad --threads with a non-zero exit and a message', () => {
  const r = run('bench', '--threads', '0');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--threads must be an integer ≥ 1/);
  assert.equal(r.stdout, '');
});

test('bench --only: just the named benchmarks (the ceiling always); an unknown name is refused', () => {
  const r = run('bench', '--quick', '--json', '--no-peers', '--only', 'fast_style,gan_step');
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Row);
  assert.deepEqual(new Set(rows.map((x) => x.name)), new Set(['ceiling', 'fast_style', 'gan_step']));
  assert.deepEqual(rows.filter((x) => x.name === 'fast_style' && x.threads === 1).map((x) => x.shape), ['engstrom 32x32', 'mobile 32x32']);
  const bad = run('bench', '--quick', '--only', 'gemm,nonsense');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /unknown benchmark 'nonsense' \(choose from gemm, conv2d, gan_step, vgg_fwd_bwd, fast_style, stylize\)/);
});
