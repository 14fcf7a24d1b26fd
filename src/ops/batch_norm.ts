// batch_norm: x [N, C, *] (rank ≥ 2); statistics per channel c over every other axis (M values);
// running_mean, running_var, weight γ, bias β: [C], each optional (torch's None).
// training: μ, σ² = batch mean and BIASED variance; out = (x − μ)/√(σ² + eps)·γ + β; given running
//   stats are updated IN PLACE without grad: r ← (1−momentum)·r + momentum·(μ | σ²·M/(M−1)) (unbiased).
// eval: out = (x − running_mean)/√(running_var + eps)·γ + β.
// Grads, x̂ = (x − μ)/σ, σ = √(σ² + eps): ∂β = Σ dy, ∂γ = Σ dy⊙x̂, and ∂x = (γ/σ)⊙(dy − mean(dy) −
// x̂⊙mean(dy⊙x̂)) in training (μ, σ² depend on x), (γ/σ)⊙dy in eval; sums/means over all axes but 1.
import { Tensor } from '../tensor.js';
import { isGradEnabled } from '../autograd.js';
import { kernels, resultArray } from '../backend.js';
import { checkFinite, fmt, ShapeError, sizeOf } from '../shape.js';
import { defineOp } from './op.js';
import { add } from './add.js';
import { div } from './div.js';
import { mean } from './mean.js';
import { mul } from './mul.js';
import { pow } from './pow.js';
import { reshape } from './reshape.js';
import { sub } from './sub.js';
import { sum } from './sum.js';

export interface BatchNormAttrs {
  training: boolean;
  momentum: number;
  eps: number;
}

/** Checks that each per-channel tensor is [C] for the C channels of x (shared with instance_norm). */
export function checkChannelVectors(op: string, x: Tensor, vecs: Record<string, Tensor | undefined>): void {
  const c = x.shape[1];
  for (const [name, v] of Object.entries(vecs)) {
    if (v !== undefined && (v.ndim !== 1 || v.shape[0] !== c)) {
      throw new ShapeError(`${op}: ${name} ${fmt(v.shape)} does not match ${c} channels of input ${fmt(x.shape)}`);
    }
  }
}

export const batch_norm = defineOp({
  name: 'batch_norm',
  inputs: ['x'],
  optional: ['running_mean', 'running_var', 'weight', 'bias'],
  attrs: { training: false, momentum: 0.1, eps: 1e-5 } as BatchNormAttrs,
  forward: ({ x, running_mean: rm, running_var: rv, weight, bias }, attrs) => {
    const { training, momentum, eps } = attrs;
    checkFinite('batch_norm', attrs);
    if (typeof training !== 'boolean') throw new TypeError(`batch_norm: training must be a boolean, got ${JSON.stringify(training)}`);
    if (!(eps >= 0)) throw new RangeError(`batch_norm: eps must be ≥ 0, got ${eps}`);
    if (x.ndim < 2) throw new ShapeError(`batch_norm: input ${fmt(x.shape)} needs rank ≥ 2 ([N, C] or [N, C, H, W])`);
    checkChannelVectors('batch_norm', x, { running_mean: rm, running_var: rv, weight, bias });
    if ((rm === undefined) !== (rv === undefined)) throw new TypeError('batch_norm: give both running_mean and running_var, or neither');
    if (!training && rm === undefined) throw new TypeError('batch_norm: eval mode (training: false) needs running_mean and running_var');
    const n = x.shape[0], c = x.shape[1], s = sizeOf(x.shape.slice(2)), m = n * s;
    if (training && m <= 1) throw new RangeError(`batch_norm: expected more than 1 value per channel when training, got input ${fmt(x.shape)}`);
    const src = x.data, out = resultArray(src.length);
    // x̂ is kept for backward only when a gradient may be asked for.
    const keep = [x, rm, rv, weight, bias].some((t) => t?.requiresGrad);
    const xhat = keep ? resultArray(src.length) : out;
    const invstd = new Float32Array(c);
    const saved = () => ({ xhat: keep ? new Tensor(xhat, x.shape) : null, invstd: new Tensor(invstd, [c]) });
    if (training) {
      // the batch statistics and the normalisation: the backend's kernel (float64 sums, as below)
      const mu = new Float32Array(c), variance = rm === undefined ? null : new Float32Array(c);
      kernels().plane_norm(src, n, c, s, weight?.data ?? null, bias?.data ?? null, eps, false, out, keep ? xhat : null, mu, invstd, variance);
      if (rm !== undefined) {
        for (let ch = 0; ch < c; ch++) {
          rm.data[ch] = (1 - momentum) * rm.data[ch] + momentum * mu[ch];
          rv!.data[ch] = (1 - momentum) * rv!.data[ch] + momentum * variance![ch] * m / (m - 1);
        }
      }
      return { out: new Tensor(out, x.shape), saved: saved() };
    }
    for (let ch = 0; ch < c; ch++) {
      const mu = rm!.data[ch], variance = rv!.data[ch];
      const is = 1 / Math.sqrt(variance + eps);
      const g = weight === undefined ? 1 : weight.data[ch], b = bias === undefined ? 0 : bias.data[ch];
      invstd[ch] = is;
      for (let i = 0; i < n; i++) {
        for (let j = (i * c + ch) * s, e = j + s; j < e; j++) {
          const h = (src[j] - mu) * is;
          xhat[j] = h;
          out[j] = h * g + b;
        }
      }
    }
    return { out: new Tensor(out, x.shape), saved: saved() };
  },
  backward: (dy, { needs, inputs: { x, running_mean: rm, running_var: rv, weight }, saved, attrs: { training, eps } }) => {
    const c = x!.shape[1];
    const bshape = x!.shape.map((d, i) => (i === 1 ? d : 1)); // [1, C, 1, 1]: broadcasts over x
    const dims = x!.shape.map((_, i) => i).filter((i) => i !== 1);
    const m = x!.size / c;
    if (!isGradEnabled()) return fusedBackward(dy, saved.xhat as Tensor, saved.invstd as Tensor, weight, training, needs);
    // createGraph: rebuild x̂ and 1/σ from x with ops so the gradient is differentiable again.
    const mu = training ? mean(x!, { dim: dims, keepdim: true }) : reshape(rm!, { shape: bshape });
    const xc = sub(x!, mu);
    const variance = training ? mean(mul(xc, xc), { dim: dims, keepdim: true }) : reshape(rv!, { shape: bshape });
    const invstd = pow(add(variance, eps), { exponent: -0.5 });
    const xhat = mul(xc, invstd);
    const sdy = sum(dy, { dim: dims, keepdim: true });
    const sdyx = needs.x || needs.weight ? sum(mul(dy, xhat), { dim: dims, keepdim: true }) : sdy;
    let dx: Tensor | null = null;
    if (needs.x) {
      const k = weight === undefined ? invstd : mul(reshape(weight, { shape: bshape }), invstd);
      const centred = training ? sub(sub(dy, div(sdy, m)), mul(xhat, div(sdyx, m))) : dy;
      dx = mul(centred, k);
    }
    return {
      x: dx,
      weight: needs.weight ? reshape(sdyx, { shape: [c] }) : null,
      bias: needs.bias ? reshape(sdy, { shape: [c] }) : null,
      running_mean: null,
      running_var: null,
    };
  },
});

/**
 * The backward without a graph to record: the plane_norm_backward kernel — Σ dy and Σ dy⊙x̂ per
 * channel (float64), then ∂x = (γ/σ)⊙(dy − Σdy/M − x̂⊙Σ(dy⊙x̂)/M) (eval: (γ/σ)⊙dy), rounded once — the
 * composite above in one pass instead of eight broadcasting ops (a DCGAN step spent ≈ 60 ms in them).
 */
function fusedBackward(dy: Tensor, xhat: Tensor, invstd: Tensor, weight: Tensor | undefined, training: boolean,
  needs: { x: boolean; weight: boolean; bias: boolean }) {
  const n = dy.shape[0], c = dy.shape[1], s = sizeOf(dy.shape.slice(2));
  const sdy = new Float32Array(c), sdyx = new Float32Array(c), dx = needs.x ? resultArray(dy.size) : null;
  kernels().plane_norm_backward(dy.data, xhat.data, n, c, s, weight?.data ?? null, invstd.data, training, dx, sdy, sdyx);
  return {
    x: dx === null ? null : new Tensor(dx, dy.shape),
    weight: needs.weight ? new Tensor(sdyx, [c]) : null,
    bias: needs.bias ? new Tensor(sdy, [c]) : null,
    running_mean: null,
    running_var: null,
  };
}
