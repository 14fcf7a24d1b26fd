// Binary ops with NumPy broadcasting against a naive reference (ndarray index math), and
// unbroadcast in their gradients, on random shapes including size-1 and missing axes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { Tensor } from '../../src/tensor.js';
import { F } from '../../src/ops/index.js';
import { sizeOf } from '../../src/shape.js';
import { BACKENDS, withBackend } from '../helpers/backends.js';

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

// add's row fast path (a bias add, the add_rows kernel) must take rows only: an [N, 1] column of the
// same size, a row on the left, a stack of matrices; and sum's leading-axes fast path (sum_rows).
// Every result has ≥ 256 elements, so the kernel paths are in play (smaller adds loop in JS).
test('add: rows go through add_rows, columns and other broadcasts do not; sum over leading axes; ts and wasm', () => {
  const pairs: [number[], number[]][] = [[[16, 16], [16, 1]], [[16, 1], [16, 16]], [[16, 16], [16]], [[16], [2, 8, 16]], [[2, 8, 16], [1, 16]],
    [[2, 16, 16], [16, 1]], [[2, 8, 16], [8, 1]], [[256, 1], [256]], [[16, 16], [16, 16]]];
  for (const backend of BACKENDS) {
    withBackend(backend, () => {
      for (const [sa, sb] of pairs) {
        const a = Tensor.randn(sa), b = Tensor.randn(sb);
        const want = naive((x, y) => x + y, a, b);
        assert.deepEqual(Array.from(F.add(a, b).data), want.data, `${backend}: [${sa}] + [${sb}]`);
      }
      const x = Tensor.randn([6, 8, 10]);
      for (const dim of [[0], [0, 1], [1], [0, 2]]) {
        const got = F.sum(x, { dim }), kept = [0, 1, 2].filter((d) => !dim.includes(d));
        const want = new Float64Array(sizeOf(kept.map((d) => x.shape[d])));
        for (let i = 0; i < x.size; i++) {
          const idx = [Math.floor(i / 80), Math.floor(i / 10) % 8, i % 10];
          const o = kept.reduce((acc, d) => acc * x.shape[d] + idx[d], 0);
          want[o] += x.data[i];
        }
        assert.deepEqual(Array.from(got.data), Array.from(Float32Array.from(want)), `${backend}: sum dim ${dim}`);
      }
    });
  }
});
