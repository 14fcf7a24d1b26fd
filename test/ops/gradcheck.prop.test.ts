// Finite-difference gradient checks on RANDOM shapes and attributes (fast-check), complementing the
// fixed samples of gradcheck.test.ts: broadcasting binary ops, batched matmul with transposes,
// conv2d / conv_transpose2d geometry (stride, padding, dilation, groups), pooling, softmax and
// batch norm. Float32 central differences: step 1e-2, loose tolerances; pinned seeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Tensor } from '../../src/tensor.js';
import { F } from '../../src/ops/index.js';
import { gradcheck } from '../../src/gradcheck.js';
import { Rng } from '../../src/rng.js';

const dim = (max = 4) => fc.integer({ min: 1, max });

function check(name: string, arb: fc.Arbitrary<{ shapes: number[][]; fn: (...xs: Tensor[]) => Tensor; positive?: boolean }>, runs = 25): void {
  test(`gradcheck on random shapes: ${name}`, () => {
    fc.assert(
      fc.property(arb, fc.integer({ min: 0, max: 1 << 30 }), ({ shapes, fn, positive }, seed) => {
        const rng = new Rng(seed);
        const inputs = shapes.map((s) => {
          const t = Tensor.randn(s, { rng, requiresGrad: true });
          if (positive) for (let i = 0; i < t.size; i++) t.data[i] = 0.5 + Math.abs(t.data[i]);
          return t;
        });
        const res = gradcheck(fn, inputs, { eps: 1e-2, atol: 3e-3, rtol: 3e-2, rng });
        assert.ok(res.ok, `${name} ${JSON.stringify(shapes)}: ${res.message}`);
      }),
      { seed: 2024, numRuns: runs },
    );
  });
}

// Binary ops: b broadcasts against a (trailing axes, some of size 1).
check('mul/div/sub with broadcasting', fc.tuple(fc.array(dim(), { minLength: 1, maxLength: 3 }), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.nat(2)).map(([s, ones, which]) => ({
  shapes: [s, s.map((d, i) => (ones[i] ? 1 : d))],
  fn: (a: Tensor, b: Tensor) => [F.mul, F.div, F.sub][which](a, b),
  positive: true,
})));

check('matmul (batched, transposed)', fc.tuple(dim(3), dim(), dim(), dim(), fc.boolean(), fc.boolean()).map(([bt, m, k, n, ta, tb]) => ({
  shapes: [ta ? [bt, k, m] : [bt, m, k], tb ? [n, k] : [k, n]],
  fn: (a: Tensor, b: Tensor) => F.matmul(a, b, { transpose_a: ta, transpose_b: tb }),
})));

const convGeom = fc.record({
  n: dim(2), g: fc.integer({ min: 1, max: 2 }), cg: dim(2), og: dim(2), h: fc.integer({ min: 3, max: 6 }), w: fc.integer({ min: 3, max: 6 }),
  k: fc.integer({ min: 1, max: 3 }), s: fc.integer({ min: 1, max: 2 }), p: fc.integer({ min: 0, max: 1 }), d: fc.integer({ min: 1, max: 2 }),
}).filter((c) => c.h + 2 * c.p - c.d * (c.k - 1) - 1 >= 0 && c.w + 2 * c.p - c.d * (c.k - 1) - 1 >= 0);

check('conv2d (stride, padding, dilation, groups)', convGeom.map((c) => ({
  shapes: [[c.n, c.g * c.cg, c.h, c.w], [c.g * c.og, c.cg, c.k, c.k], [c.g * c.og]],
  fn: (x: Tensor, w: Tensor, b: Tensor) => F.conv2d(x, w, b, { stride: c.s, padding: c.p, dilation: c.d, groups: c.g }),
})), 15);

check('conv_transpose2d (stride, padding, output_padding, groups)', convGeom.filter((c) => c.s > 1).map((c) => ({
  shapes: [[c.n, c.g * c.cg, c.h, c.w], [c.g * c.cg, c.og, c.k, c.k], [c.g * c.og]],
  fn: (x: Tensor, w: Tensor, b: Tensor) => F.conv_transpose2d(x, w, b, { stride: c.s, padding: Math.min(c.p, c.k - 1), output_padding: 1, groups: c.g, dilation: c.d }),
})), 15);

check('avg_pool2d (ceil_mode, count_include_pad)', fc.record({ c: dim(2), h: fc.integer({ min: 2, max: 6 }), k: fc.integer({ min: 1, max: 3 }), s: fc.integer({ min: 1, max: 2 }), ceil: fc.boolean(), inc: fc.boolean() })
  .filter((c) => c.h >= c.k).map((c) => ({
    shapes: [[1, c.c, c.h, c.h + 1]],
    fn: (x: Tensor) => F.avg_pool2d(x, { kernel_size: c.k, stride: c.s, padding: c.k > 1 ? 1 : 0, ceil_mode: c.ceil, count_include_pad: c.inc }),
  })));

check('softmax / log_softmax over a random dim', fc.tuple(fc.array(dim(), { minLength: 1, maxLength: 3 }), fc.nat(2), fc.boolean()).map(([s, d, log]) => ({
  shapes: [s],
  fn: (x: Tensor) => (log ? F.log_softmax : F.softmax)(x, { dim: d % s.length }),
})));

check('batch_norm (training, gradients through batch statistics)', fc.tuple(fc.integer({ min: 2, max: 4 }), dim(3), dim(3)).map(([n, c, hw]) => ({
  shapes: [[n, c, hw, 2], [c], [c]],
  fn: (x: Tensor, w: Tensor, b: Tensor) => F.batch_norm(x, null, null, w, b, { training: true }),
})), 15);
