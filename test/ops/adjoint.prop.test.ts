// The backward of an op that is linear in an input is the adjoint of its forward:
//   ⟨f(x), y⟩ = ⟨x, f*(y)⟩   with f*(y) = ∂⟨f(x), y⟩/∂x from autograd,
// on random shapes (fast-check). A wrong index in a backward breaks this identity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Tensor } from '../../src/tensor.js';
import { F } from '../../src/ops/index.js';
import { Rng } from '../../src/rng.js';

type Case = { x: number[]; f: (x: Tensor) => Tensor };

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function checkAdjoint(name: string, arb: fc.Arbitrary<Case>, runs = 60): void {
  test(`${name}: backward is the adjoint of forward`, () => {
    fc.assert(
      fc.property(arb, fc.integer({ min: 0, max: 1 << 30 }), ({ x: shape, f }, seed) => {
        const rng = new Rng(seed);
        const x = Tensor.randn(shape, { rng, requiresGrad: true });
        const out = f(x);
        const y = Tensor.randn(out.shape, { rng });
        out.backward(y);
        const lhs = dot(out.data, y.data), rhs = dot(x.data, x.grad!.data);
        const scale = Math.sqrt(dot(out.data, out.data) * dot(y.data, y.data)) + 1e-6;
        assert.ok(Math.abs(lhs - rhs) <= 1e-4 * scale, `⟨f(x),y⟩ = ${lhs} but ⟨x,f*(y)⟩ = ${rhs}`);
      }),
      { seed: 1234, numRuns: runs },
    );
  });
}

const dim = fc.integer({ min: 1, max: 5 });
const shape = (min: number, max: number) => fc.array(dim, { minLength: min, maxLength: max });

checkAdjoint('permute', shape(1, 4).chain((s) =>
  fc.shuffledSubarray(s.map((_, i) => i), { minLength: s.length, maxLength: s.length }).map((dims) => ({ x: s, f: (x: Tensor) => F.permute(x, { dims }) }))));

checkAdjoint('sum', shape(1, 4).chain((s) =>
  fc.subarray(s.map((_, i) => i), { minLength: 1 }).chain((dims) => fc.boolean().map((keepdim) => ({ x: s, f: (x: Tensor) => F.sum(x, { dim: dims, keepdim }) })))));

checkAdjoint('expand', shape(1, 3).chain((s) =>
  fc.tuple(dim, fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length })).map(([lead, ones]) => {
    const src = s.map((d, i) => (ones[i] ? 1 : d));
    return { x: src, f: (x: Tensor) => F.expand(x, { shape: [lead, ...s] }) };
  })));

checkAdjoint('matmul (in a, with transposes and batch broadcast)', fc.tuple(dim, dim, dim, dim, fc.boolean(), fc.boolean()).map(([bt, m, k, n, ta, tb]) => {
  const b = Tensor.randn(tb ? [n, k] : [k, n], { rng: new Rng(m * 31 + n) });
  return { x: ta ? [bt, k, m] : [bt, m, k], f: (x: Tensor) => F.matmul(x, b, { transpose_a: ta, transpose_b: tb }) };
}));
