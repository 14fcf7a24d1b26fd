// softmax over `dim` (negative counts from the end): out = exp(x − m) / Σ exp(x − m), m = max along
// dim, so large inputs (80 ± 90) do not overflow.   x [*] → same shape.
// ∂x = out ⊙ (dy − Σ_dim(dy ⊙ out))   (the Jacobian diag(s) − s·sᵀ applied to dy; `out` is the
// recorded output, so the rule differentiates again).
import { Tensor } from '../tensor.js';
import { normAxis, sizeOf } from '../shape.js';
import { defineOp, type UnaryOp } from './op.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { sum } from './sum.js';

export interface SoftmaxAttrs {
  dim: number;
}

/**
 * Softmax (log = false) or log-softmax (log = true) along `dim`, shared with log_softmax.
 * x is viewed as [outer, len, inner]; the inner axis is walked contiguously with per-lane
 * max and Float64 sums, so dim = 1 of NCHW is as cache-friendly as the last axis.
 */
export function softmaxAlong(op: string, x: Tensor, dim: number, log: boolean): Tensor {
  if (!Number.isInteger(dim)) throw new TypeError(`${op}: dim must be an integer, got ${JSON.stringify(dim)}`);
  const d = normAxis(op, dim, x.ndim);
  const len = x.ndim === 0 ? 1 : x.shape[d];
  const inner = sizeOf(x.shape.slice(d + 1));
  const outer = sizeOf(x.shape.slice(0, d));
  const src = x.data, out = new Float32Array(src.length);
  const mx = new Float64Array(inner), acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * len * inner;
    mx.fill(-Infinity);
    acc.fill(0);
    for (let k = 0; k < len; k++) {
      const row = base + k * inner;
      for (let i = 0; i < inner; i++) if (src[row + i] > mx[i]) mx[i] = src[row + i];
    }
    for (let k = 0; k < len; k++) {
      const row = base + k * inner;
      for (let i = 0; i < inner; i++) {
        const e = Math.exp(src[row + i] - mx[i]);
        acc[i] += e;
        if (!log) out[row + i] = e;
      }
    }
    if (log) for (let i = 0; i < inner; i++) acc[i] = Math.log(acc[i]);
    for (let k = 0; k < len; k++) {
      const row = base + k * inner;
      if (log) for (let i = 0; i < inner; i++) out[row + i] = src[row + i] - mx[i] - acc[i];
      else for (let i = 0; i < inner; i++) out[row + i] /= acc[i];
    }
  }
  return new Tensor(out, x.shape);
}

export const softmax: UnaryOp<SoftmaxAttrs> = defineOp({
  name: 'softmax',
  inputs: ['x'],
  attrs: { dim: -1 } as SoftmaxAttrs,
  forward: ({ x }, { dim }) => softmaxAlong('softmax', x, dim, false),
  backward: (dy, { out, attrs: { dim } }) => {
    const p = mul(dy, out);
    return { x: sub(p, mul(out, sum(p, { dim: [dim], keepdim: true }))) };
  },
});
