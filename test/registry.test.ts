// The op table, the op files, the gradient samples and the oracle's op list agree; so do the kernel
// contract, the TS references and their AssemblyScript twins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ops } from '../src/ops/index.js';
import { tsKernels } from '../src/kernels/index.js';
import { samples } from './ops/samples.js';
import { needsShared, projectRoot, sharedDir } from './helpers/shared.js';

const opFiles = readdirSync(path.join(projectRoot, 'src/ops'))
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_') && f !== 'op.ts' && f !== 'index.ts')
  .map((f) => f.replace(/\.ts$/, ''));

test('every op file is in the table under its own name, and every table entry has its file', () => {
  assert.deepEqual([...opFiles].sort(), Object.keys(ops).sort());
  for (const [key, op] of Object.entries(ops)) assert.equal(op.opName, key, `table key ${key} holds op ${op.opName}`);
});

test('every op has gradient-check samples', () => {
  const missing = Object.keys(ops).filter((k) => (samples[k] ?? []).length === 0);
  assert.deepEqual(missing, [], `ops without samples in test/ops/samples.ts: ${missing.join(', ')}`);
});

test('every op of the oracle suite is in the table (or is an optimizer)', { skip: needsShared }, () => {
  const manifest = JSON.parse(readFileSync(path.join(sharedDir, 'oracle/ops.json'), 'utf8')) as { cases: { op: string }[] };
  const optimizers = new Set(['adam', 'sgd', 'lbfgs']);
  const missing = [...new Set(manifest.cases.map((c) => c.op))].filter((o) => !(o in ops) && !optimizers.has(o));
  assert.deepEqual(missing, []);
});

test('kernel twins: each Kernels member has src/kernels/X.ts and assembly/kernels/X.ts exporting X', () => {
  for (const name of Object.keys(tsKernels)) {
    for (const dir of ['src/kernels', 'assembly/kernels']) {
      const file = path.join(projectRoot, dir, `${name}.ts`);
      assert.ok(existsSync(file), `${dir}/${name}.ts is missing`);
      assert.match(readFileSync(file, 'utf8'), new RegExp(`export function ${name}\\(`), `${dir}/${name}.ts must export function ${name}`);
    }
  }
});
