// SGD (torch.optim.SGD, PyTorch 1.13), per parameter:
//   g = grad + weight_decay·p
//   momentum ≠ 0:  buf = g at the first step (no dampening), then buf = momentum·buf + (1 − dampening)·g
//                  g = nesterov ? g + momentum·buf : buf
//   p −= lr·g
// State per parameter (momentum ≠ 0 only): momentum_buffer, a Float32Array.
import type { Tensor } from '../tensor.js';
import { checkBuffer, checkNonNegative, evalClosure, Optimizer, type Closure, type ParamsArg, type ParamState } from './optimizer.js';

export interface SGDOptions {
  /** Required, as in torch. */
  lr: number;
  momentum: number;
  dampening: number;
  weight_decay: number;
  nesterov: boolean;
}

/**
 * The per-element update of one parameter (the one loop a WASM kernel would replace). buf is
 * null when momentum is 0; `first` marks the step that initialises buf to the gradient.
 */
export function sgdUpdate(
  p: Float32Array, g: Float32Array, buf: Float32Array | null, first: boolean,
  lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: boolean,
): void {
  const n = p.length;
  if (buf === null) {
    for (let i = 0; i < n; i++) p[i] -= lr * (g[i] + weightDecay * p[i]);
    return;
  }
  // buf is rounded to float32 (Math.fround) before use, exactly as stored.
  const keep = first ? 0 : momentum, take = first ? 1 : 1 - dampening;
  for (let i = 0; i < n; i++) {
    const gi = g[i] + weightDecay * p[i];
    const b = Math.fround(keep * buf[i] + take * gi);
    buf[i] = b;
    p[i] -= lr * (nesterov ? gi + momentum * b : b);
  }
}

/**
 * torch.optim.SGD.
 * @example
 *   const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true });
 *   opt.zeroGrad(); loss.backward(); opt.step();
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: ParamsArg<SGDOptions>, options: Partial<SGDOptions> & { lr?: number } = {}) {
    super('SGD', params, { lr: undefined, momentum: 0, dampening: 0, weight_decay: 0, nesterov: false }, options);
  }

  protected validate(h: SGDOptions): void {
    checkNonNegative('SGD', 'learning rate lr', h.lr);
    checkNonNegative('SGD', 'momentum value', h.momentum);
    checkNonNegative('SGD', 'dampening value', h.dampening);
    checkNonNegative('SGD', 'weight_decay value', h.weight_decay);
    if (typeof h.nesterov !== 'boolean') throw new TypeError(`SGD: nesterov must be a boolean, got ${JSON.stringify(h.nesterov)}`);
    if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
      throw new RangeError(`SGD: nesterov momentum requires a momentum > 0 and zero dampening (got momentum ${h.momentum}, dampening ${h.dampening})`);
    }
  }

  protected override validateState(p: Tensor, s: ParamState, index: number): void {
    checkBuffer('SGD', index, 'momentum_buffer', s.momentum_buffer ?? undefined, p.size, true);
  }

  /** One update of every parameter that has a gradient; returns the closure's loss if one is given. */
  step(closure?: Closure): number | null {
    const loss = closure === undefined ? null : evalClosure('SGD', closure);
    for (const group of this.paramGroups) {
      const { lr, momentum, dampening, weight_decay, nesterov } = group;
      for (const p of group.params) {
        const g = this.gradOf(p);
        if (g === null) continue;
        let buf: Float32Array | null = null;
        let first = false;
        if (momentum !== 0) {
          let s = this.state.get(p);
          if (s === undefined) this.state.set(p, (s = {}));
          first = !(s.momentum_buffer instanceof Float32Array);
          if (first) s.momentum_buffer = new Float32Array(p.size);
          buf = s.momentum_buffer as Float32Array;
        }
        sgdUpdate(p.data, g, buf, first, lr, momentum, dampening, weight_decay, nesterov);
      }
    }
    return loss;
  }
}
