// Binary ops with NumPy broadcasting against a naive reference (ndarray index math), and
// unbroadcast in their gradients, on random shapes including size-1 and missing axes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { Tensor } from '../../src/tensor.js';
import { F } from '../../src/ops/index.js';
import { sizeOf } from '../../src/shape.js';

// A broadcast-compatible pair: an output shape, then each operand drops leading axes and sets
// some axes to 1.
const shapePair = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 }).chain((out) =>
  fc.tuple(fc.constant(out), fc.nat(out.length), fc.nat(out.length), fc.array(fc.boolean(), { minLength: 8, maxLength: 8 })).map(([o, da, db, ones]) => {
    const a = o.slice(da).map((d, i) => (ones[i] ? 1 : d));
    const b = o.slice(db).map((d, i) => (ones[4 + i] ? 1 : d));
    return { a, b };
  }),
);

function naive(op: (x: number, y: number) => number, a: Tensor, b: Tensor): { shape: number[]; data: number[] } {
  const rank = Math.max(a.ndim, b.ndim);
  const pad = (s: readonly number[]) => [...new Array(rank - s.length).fill(1), ...s];
  const sa = pad(a.shape), sb = pad(b.shape);
  const shape = sa.map((d, i) => Math.max(d, sb[i]));
  const va = ndarray(a.data, sa), vb = ndarray(b.data, sb);
  const data: number[] = [];
  const idx = new Array<number>(rank).fill(0);
  for (let n = 0; n < sizeOf(shape); n++) {
    let rem = n;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d] = rem % shape[d];
      rem = Math.floor(rem / shape[d]);
    }
    const x = rank === 0 ? a.data[0] : va.get(...idx.map((v, d) => (sa[d] === 1 ? 0 : v)));
    const y = rank === 0 ? b.data[0] : vb.get(...idx.map((v, d) => (sb[d] === 1 ? 0 : v)));
    data.push(Math.fround(op(x, y)));
  }
  return { shape, data };
}

const cases = [
  ['add', F.add, (x: number, y: number) => x + y],
  ['sub', F.sub, (x: number, y: number) => x - y],
  ['mul', F.mul, (x: number, y: number) => x * y],
  ['div', F.div, (x: number, y: number) => x / y],
] as const;

for (const [name, op, ref] of cases) {
  test(`${name} broadcasts like NumPy and its gradients sum back to each operand's shape`, () => {
    fc.assert(
      fc.property(shapePair, fc.integer(), ({ a: sa, b: sb }, seed) => {
        const a = Tensor.randn(sa, { requiresGrad: true });
        const b = Tensor.rand(sb, { requiresGrad: true, low: 0.5, high: 2 });
        void seed;
        const out = op(a, b);
        const want = naive(ref, a, b);
        assert.deepEqual([...out.shape], want.shape);
        assert.deepEqual(Array.from(out.data), want.data);
        F.sum(out).backward();
        assert.deepEqual([...a.grad!.shape], sa);
        assert.deepEqual([...b.grad!.shape], sb);
        if (name === 'add') {
          // ∂Σ(a+b)/∂a counts how many output elements each a element reaches.
          const reach = sizeOf(want.shape) / Math.max(1, sizeOf(sa));
          assert.ok(a.grad!.data.every((g) => g === reach));
        }
      }),
      { seed: 42, numRuns: 200 },
    );
  });
}
