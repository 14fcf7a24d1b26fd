// The CLI as a user runs it (compiled dist/src/cli.js): oracle check output and exit codes, export
// round trip, and clear errors for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { projectRoot, needsShared, sharedDir } from '../helpers/shared.js';
import { parseSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';

const cli = path.join(projectRoot, 'dist/src/cli.js');
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

test('oracle check: every shared case passes on ts and wasm, last line "N passed, 0 failed", exit 0', { skip: needsShared }, () => {
  for (const backend of ['ts', 'wasm']) {
    const r = run('oracle', 'check', path.join(sharedDir, 'oracle/ops.json'), '--backend', backend);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stdout.trim().split('\n').at(-1), '152 passed, 0 failed');
  }
});

test('oracle export writes a suite that oracle check accepts; a corrupted reference fails with one line per case and exit 1', { skip: needsShared }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ganstyle-oracle-'));
  const out = path.join(dir, 'mine.json');
  const e = run('oracle', 'export', '--template', path.join(sharedDir, 'oracle/ops.json'), '-o', out, '--ops', 'conv2d,softmax,adam', '--seed', '3');
  assert.equal(e.status, 0, e.stderr);
  const manifest = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(manifest.format, 'ganstyle-oracle/1');
  assert.equal(manifest.cases.length, 14 + 4 + 4);
  const seen = new Map<string, number>();
  for (const c of manifest.cases as { id: string; op: string }[]) {
    const n = seen.get(c.op) ?? 0;
    assert.equal(c.id, `${c.op}/${String(n).padStart(3, '0')}`);
    seen.set(c.op, n + 1);
  }
  const ok = run('oracle', 'check', out, '--backend', 'wasm');
  assert.equal(ok.status, 0, ok.stdout);
  assert.match(ok.stdout, /^22 passed, 0 failed$/m);

  // Scale one output of softmax/001 by 1.01: 1% relative error must fail that case only.
  const tensorsFile = path.join(dir, manifest.tensors);
  const { tensors, metadata } = parseSafetensors(new Uint8Array(readFileSync(tensorsFile)), tensorsFile);
  const name = manifest.cases.find((c: { id: string }) => c.id === 'softmax/001').outputs.out;
  const copy = new Map([...tensors].map(([k, v]) => [k, k === name ? v.data.map((x) => x * 1.01) : v.data.slice()] as const));
  writeFileSync(tensorsFile, serializeSafetensors(new Map([...copy].map(([k, d]) => [k, { data: d, shape: tensors.get(k)!.shape }])), metadata));
  const bad = run('oracle', 'check', out, '--backend', 'ts');
  assert.equal(bad.status, 1);
  const lines = bad.stdout.trim().split('\n');
  assert.match(lines[0], /^FAIL softmax\/001: output out: error .* > bound/);
  assert.equal(lines.at(-1), '21 passed, 1 failed');
});

test('a missing or malformed manifest is a clear error naming the file, exit 2', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ganstyle-bad-'));
  const missing = run('oracle', 'check', path.join(dir, 'nope.json'));
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /nope\.json: cannot read manifest/);
  const f = path.join(dir, 'bad.json');
  writeFileSync(f, JSON.stringify({ format: 'other', cases: [] }));
  const bad = run('oracle', 'check', f);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /bad\.json: format is "other", expected "ganstyle-oracle\/1"/);
});
