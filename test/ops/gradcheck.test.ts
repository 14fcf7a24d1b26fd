// Table-driven finite-difference check of every op's backward (ops with a backward and composites
// alike), on both backends. Float32 central differences: step 1e-2, loose tolerances.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor.js';
import { ops } from '../../src/ops/index.js';
import { gradcheck } from '../../src/gradcheck.js';
import { Rng } from '../../src/rng.js';
import { BACKENDS, withBackend } from '../helpers/backends.js';
import { samples } from './samples.js';

for (const backend of BACKENDS) {
  for (const [name, op] of Object.entries(ops)) {
    for (const [i, s] of (samples[name] ?? []).entries()) {
      test(`gradcheck ${name} #${i} [${backend}]`, () => {
        const keys = Object.keys(s.inputs);
        const inputs = keys.map((k) => new Tensor(s.inputs[k].data.slice(), s.inputs[k].shape, !(s.constant ?? []).includes(k)));
        const fn = (...xs: Tensor[]) => op.run(Object.fromEntries(keys.map((k, j) => [k, xs[j]])), s.attrs ?? {});
        const res = withBackend(backend, () => gradcheck(fn, inputs, { eps: 1e-2, atol: 2e-3, rtol: 2e-2, rng: new Rng(i) }));
        assert.ok(res.ok, `${name}: ${res.message}`);
      });
    }
  }
}
