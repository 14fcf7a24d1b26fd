// Exponential moving average of a model's weights (Polyak averaging of G; Karras et al., Yazıcı et
// al. 2019): a second copy of the model whose parameters follow, after each update t = 1, 2, …,
//   θ̄ ← β_t·θ̄ + (1 − β_t)·θ,   β_t = β·(1 − β^(t−1)) / (1 − β^t)
// β_t is the bias-corrected decay (as Adam's moments): θ̄_t is exactly the β-weighted average of
// θ_1 … θ_t, Σ_k β^(t−k)·θ_k / Σ_k β^(t−k), so the initial weights never linger in it (β_1 = 0;
// β_t → β after a few 1/(1−β) updates, e.g. β_t = 0.99899 at t = 5000 for β = 0.999).
// Buffers (batch-norm running statistics) are copied, not averaged. Samples come from `model`.
import { kernels } from '../backend.js';
import { Module } from '../nn/module.js';

export class Ema<M extends Module> {
  /** Number of updates so far (t). */
  updates = 0;
  private readonly pairs: [Float32Array, Float32Array][];
  private readonly bufferPairs: [Float32Array, Float32Array][];

  /** `model` must have the architecture of `source` (a second instance); it starts as a copy. */
  constructor(readonly source: M, readonly model: M, readonly decay: number) {
    if (!(decay >= 0 && decay < 1)) throw new RangeError(`Ema: decay must be in [0, 1), got ${decay}`);
    const src = source.namedParameters(), dst = model.namedParameters();
    const sb = source.namedBuffers(), db = model.namedBuffers();
    const names = (l: [string, unknown][]) => l.map(([n]) => n).join(',');
    if (names(src) !== names(dst) || names(sb) !== names(db)) throw new Error('Ema: the average model must have the same parameters and buffers as the source');
    this.pairs = src.map(([, p], i) => [dst[i][1].data, p.data]);
    this.bufferPairs = sb.map(([, b], i) => [db[i][1].data, b.data]);
    model.requiresGrad_(false);
    model.loadStateDict(source.stateDict());
  }

  /** The decay used by update number t (1-based). */
  decayAt(t: number): number {
    const b = this.decay;
    return t <= 1 ? 0 : (b * (1 - b ** (t - 1))) / (1 - b ** t);
  }

  /** One averaging step after an optimizer step of the source. */
  update(): void {
    this.updates++;
    const beta = this.decayAt(this.updates), alpha = 1 - beta;
    for (const [avg, p] of this.pairs) kernels().axpby(avg, beta, p, alpha, avg.length, avg);
    for (const [avg, b] of this.bufferPairs) avg.set(b);
  }
}
