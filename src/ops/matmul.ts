// matmul: out[..., M, N] = op(a)[..., M, K] · op(b)[..., K, N]; batch axes broadcast (NumPy).
// op(t) = t, or its last two axes swapped when transpose_a / transpose_b (tf.matMul's flags;
// gemm reads the transposed layout in place, so no copy is made).
// Grads (C = op(A)·op(B)):  ∂op(A) = dC·op(B)ᵀ,  ∂op(B) = op(A)ᵀ·dC, each mapped back through op
// and summed over broadcast batch axes.
import { Tensor } from '../tensor.js';
import { kernels, resultArray } from '../backend.js';
import { broadcastShapes, broadcastStrides, fmt, ShapeError, sizeOf } from '../shape.js';
import { defineOp, type BinaryOp } from './op.js';
import { unbroadcast } from './_elementwise.js';

export interface MatmulAttrs {
  transpose_a: boolean;
  transpose_b: boolean;
}

export const matmul: BinaryOp<MatmulAttrs> = defineOp({
  name: 'matmul',
  inputs: ['a', 'b'],
  attrs: { transpose_a: false, transpose_b: false } as MatmulAttrs,
  forward: ({ a, b }, { transpose_a: ta, transpose_b: tb }) => {
    if (a.ndim < 2 || b.ndim < 2) throw new ShapeError(`matmul: operands need rank ≥ 2, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
    const [ar, ac] = a.shape.slice(-2), [br, bc] = b.shape.slice(-2);
    const m = ta ? ac : ar, k = ta ? ar : ac, kb = tb ? bc : br, n = tb ? br : bc;
    if (k !== kb) {
      throw new ShapeError(`matmul: shapes ${fmt(a.shape)}${ta ? 'ᵀ' : ''} and ${fmt(b.shape)}${tb ? 'ᵀ' : ''} do not chain (inner sizes ${k} and ${kb})`);
    }
    const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
    const batch = broadcastShapes('matmul', batchA, batchB);
    const nb = sizeOf(batch);
    const out = resultArray(nb * m * n);
    const sa = broadcastStrides(batchA, batch), sb = broadcastStrides(batchB, batch);
    const idx = new Array<number>(batch.length).fill(0);
    let ia = 0, ib = 0; // batch offsets in matrices
    const gemm = kernels().gemm;
    for (let t = 0; t < nb; t++) {
      gemm(m, n, k,
        a.data.subarray(ia * m * k), ac, ta,
        b.data.subarray(ib * k * n), bc, tb,
        out.subarray(t * m * n), n, false);
      for (let d = batch.length - 1; d >= 0; d--) {
        idx[d]++;
        ia += sa[d];
        ib += sb[d];
        if (idx[d] < batch[d]) break;
        ia -= sa[d] * batch[d];
        ib -= sb[d] * batch[d];
        idx[d] = 0;
      }
    }
    return new Tensor(out, [...batch, m, n]);
  },
  backward: (dy, { needs, inputs: { a, b }, attrs: { transpose_a: ta, transpose_b: tb } }) => ({
    a: needs.a
      ? unbroadcast(ta ? matmul(b!, dy, { transpose_a: tb, transpose_b: true }) : matmul(dy, b!, { transpose_b: !tb }), a!.shape)
      : null,
    b: needs.b
      ? unbroadcast(tb ? matmul(dy, a!, { transpose_a: true, transpose_b: ta }) : matmul(a!, dy, { transpose_a: !ta }), b!.shape)
      : null,
  }),
});
