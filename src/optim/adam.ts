// Adam (torch.optim.Adam, PyTorch 1.13): L2 weight decay added to the gradient (not AdamW), bias
// correction, eps outside the square root, optional AMSGrad. Per parameter, at step t:
//   g = grad + weight_decay·p;  m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²
//   vmax = max(vmax, v) (amsgrad);  denom = sqrt(v or vmax) / sqrt(1 − β2^t) + eps
//   p −= lr / (1 − β1^t) · m / denom
// State per parameter: step (number), exp_avg, exp_avg_sq, max_exp_avg_sq (amsgrad) as Float32Array.
import { allocate, kernels, residentCopy } from '../backend.js';
import type { Tensor } from '../tensor.js';
import { checkBuffer, checkNonNegative, evalClosure, Optimizer, type Closure, type ParamsArg, type ParamState } from './optimizer.js';

export interface AdamOptions {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  weight_decay: number;
  amsgrad: boolean;
}

/**
 * Updates p, m, v (and vmax when non-null) in place for step t (starting at 1) with the active
 * backend's `adam` kernel (src/kernels/adam.ts: torch's float32 op sequence).
 */
export function adamUpdate(
  p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, vmax: Float32Array | null,
  t: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number,
): void {
  // torch computes these in float64 (Python floats) and hands them to float32 kernels.
  const f = Math.fround;
  const stepSize = lr / (1 - beta1 ** t), bc2Sqrt = Math.sqrt(1 - beta2 ** t);
  kernels().adam(p, g, m, v, vmax, p.length, f(beta1), f(1 - beta1), f(beta2), f(1 - beta2), f(-stepSize), f(bc2Sqrt), f(eps), f(weightDecay));
}

/**
 * torch.optim.Adam.
 * @example
 *   const opt = new Adam(model.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
 *   opt.zeroGrad(); loss.backward(); opt.step();
 */
export class Adam extends Optimizer<AdamOptions> {
  constructor(params: ParamsArg<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('Adam', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: false }, options);
  }

  protected validate(h: AdamOptions): void {
    checkNonNegative('Adam', 'learning rate lr', h.lr);
    checkNonNegative('Adam', 'epsilon value eps', h.eps);
    checkNonNegative('Adam', 'weight_decay value', h.weight_decay);
    if (!Array.isArray(h.betas) || h.betas.length !== 2) throw new RangeError(`Adam: betas must be a pair [beta1, beta2], got ${JSON.stringify(h.betas)}`);
    h.betas.forEach((b, i) => {
      if (typeof b !== 'number' || !Number.isFinite(b) || b < 0 || b >= 1) throw new RangeError(`Adam: invalid beta parameter at index ${i}: ${b} (must be in [0, 1))`);
    });
    if (typeof h.amsgrad !== 'boolean') throw new TypeError(`Adam: amsgrad must be a boolean, got ${JSON.stringify(h.amsgrad)}`);
  }

  protected override validateState(p: Tensor, s: ParamState, index: number): void {
    if (typeof s.step !== 'number' || !Number.isInteger(s.step) || s.step < 0) throw new Error(`Adam.loadStateDict: state of parameter ${index}: 'step' must be a non-negative integer, got ${JSON.stringify(s.step)}`);
    checkBuffer('Adam', index, 'exp_avg', s.exp_avg, p.size);
    checkBuffer('Adam', index, 'exp_avg_sq', s.exp_avg_sq, p.size);
    checkBuffer('Adam', index, 'max_exp_avg_sq', s.max_exp_avg_sq, p.size, true);
  }

  /** One update of every parameter that has a gradient; returns the closure's loss if one is given. */
  step(closure?: Closure): number | null {
    const loss = closure === undefined ? null : evalClosure('Adam', closure);
    for (const group of this.paramGroups) {
      const { lr, betas: [beta1, beta2], eps, weight_decay, amsgrad } = group;
      for (const p of group.params) {
        const g = this.gradOf(p);
        if (g === null) continue;
        let s = this.state.get(p);
        if (s === undefined) {
          s = { step: 0, exp_avg: allocate(p.size), exp_avg_sq: allocate(p.size) };
          this.state.set(p, s);
        }
        if (amsgrad && s.max_exp_avg_sq === undefined) s.max_exp_avg_sq = allocate(p.size);
        s.step = (s.step as number) + 1;
        adamUpdate(p.data, g, residentState(s, 'exp_avg'), residentState(s, 'exp_avg_sq'), amsgrad ? residentState(s, 'max_exp_avg_sq') : null,
          s.step, lr, beta1, beta2, eps, weight_decay);
      }
    }
    return loss;
  }
}

/** s[key] in resident storage (loaded or made before the pool existed: moved there once). */
function residentState(s: ParamState, key: string): Float32Array {
  return (s[key] = residentCopy(s[key] as Float32Array));
}
