// Instance norm for inference (no autograd): statistics in float64, then normalisation, affine and
// the optional ReLU in one pass, IN PLACE (instanceNormInference: the backend's plane_norm kernel;
// normalizeInPlace: given statistics, for the tiled runner). The differentiable path (F.instance_norm, then relu)
// makes four passes and allocates three tensors; on a large image each fresh allocation costs as
// much as the pass itself (page faults), so this one reads the activation twice and overwrites it.
// Callers pass a conv output that nothing else holds. Used by the networks' forward under noGrad
// and by the tiled runner, which feeds in global statistics.
import { Tensor } from '../tensor.js';
import { kernels } from '../backend.js';
import { isGradEnabled } from '../autograd.js';
import type { InstanceNorm2d } from '../nn/norm.js';
import type { ReLU } from '../nn/activation.js';
import { fmt, ShapeError } from '../shape.js';

export interface ChannelStats {
  /** Per channel (or per image·channel): mean and biased variance. */
  mean: Float64Array;
  var: Float64Array;
}

/**
 * Per-channel Σ(x − shift) and Σ(x − shift)² in float64 over any number of [C, h, w] blocks (tiles of
 * one image); shift = the channel's first value seen, so large means cause no cancellation.
 */
export class MomentAccumulator {
  private shift: Float64Array | null = null;
  private readonly s1: Float64Array;
  private readonly s2: Float64Array;
  private count = 0;

  constructor(private readonly channels: number) {
    this.s1 = new Float64Array(channels);
    this.s2 = new Float64Array(channels);
  }

  /** Adds `data` = [channels, plane] values (plane = h·w of this block). */
  add(data: Float32Array, plane: number): void {
    if (plane === 0) return;
    if (data.length !== this.channels * plane) throw new ShapeError(`MomentAccumulator: ${data.length} values are not ${this.channels} channels × ${plane}`);
    if (this.shift === null) this.shift = Float64Array.from({ length: this.channels }, (_, c) => data[c * plane]);
    for (let c = 0; c < this.channels; c++) {
      const sh = this.shift[c];
      let a = 0, b = 0;
      for (let i = c * plane, end = i + plane; i < end; i++) {
        const d = data[i] - sh;
        a += d;
        b += d * d;
      }
      this.s1[c] += a;
      this.s2[c] += b;
    }
    this.count += plane;
  }

  result(): ChannelStats {
    if (this.count === 0) throw new Error('MomentAccumulator: no values were added');
    const mean = new Float64Array(this.channels), variance = new Float64Array(this.channels);
    for (let c = 0; c < this.channels; c++) {
      const m = this.s1[c] / this.count;
      mean[c] = this.shift![c] + m;
      variance[c] = Math.max(this.s2[c] / this.count - m * m, 0);
    }
    return { mean, var: variance };
  }
}

export interface NormParams {
  /** γ and β per channel C (null: 1 and 0). */
  weight: Tensor | null;
  bias: Tensor | null;
  eps: number;
}

/**
 * x ← (x − mean)/√(var + eps)·γ + β (then max(·, 0) when relu) for x [N, C, H, W], in place (x is
 * returned); `stats` has N·C entries (image-major), or C shared by every image (global statistics).
 */
export function normalizeInPlace(x: Tensor, stats: ChannelStats, p: NormParams, relu: boolean): Tensor {
  if (x.ndim !== 4) throw new ShapeError(`normalize: expected [N, C, H, W], got ${fmt(x.shape)}`);
  const [n, c, h, w] = x.shape, plane = h * w;
  if (stats.mean.length !== c && stats.mean.length !== n * c) throw new ShapeError(`normalize: ${stats.mean.length} statistics for input ${fmt(x.shape)} (need ${c} or ${n * c})`);
  const d = x.data;
  for (let i = 0; i < n * c; i++) {
    const ch = i % c, s = stats.mean.length === c ? ch : i;
    const a = (p.weight === null ? 1 : p.weight.data[ch]) / Math.sqrt(stats.var[s] + p.eps);
    const b = (p.bias === null ? 0 : p.bias.data[ch]) - stats.mean[s] * a;
    const start = i * plane, end = start + plane;
    if (relu) for (let k = start; k < end; k++) d[k] = Math.max(d[k] * a + b, 0);
    else for (let k = start; k < end; k++) d[k] = d[k] * a + b;
  }
  return x;
}

/**
 * Instance norm (+ ReLU) of x [N, C, H, W] with each image's own statistics, in place, for inference:
 * the backend's plane_norm kernel (two float64 passes for μ and σ², one for the affine and ReLU).
 */
export function instanceNormInference(x: Tensor, p: NormParams, relu: boolean): Tensor {
  if (x.ndim !== 4 || x.shape[2] * x.shape[3] <= 1) throw new ShapeError(`instance norm: expected [N, C, H, W] with more than 1 spatial element, got ${fmt(x.shape)}`);
  const [n, c, h, w] = x.shape, len = c * h * w, k = kernels();
  const mean = new Float32Array(c), istd = new Float32Array(c);
  for (let i = 0; i < n; i++) {
    const image = x.data.subarray(i * len, (i + 1) * len);
    k.plane_norm(image, 1, c, h * w, p.weight?.data ?? null, p.bias?.data ?? null, p.eps, relu, image, null, mean, istd);
  }
  return x;
}

/**
 * norm then relu (when given) of a fresh conv output x: under noGrad one fused kernel call that
 * overwrites x; else (or on a shape the module will reject with its own error) the modules.
 */
export function normRelu(norm: InstanceNorm2d, relu: ReLU | null, x: Tensor): Tensor {
  if (!isGradEnabled() && x.ndim === 4 && x.shape[1] === norm.num_features) return instanceNormInference(x, norm, relu !== null);
  const y = norm.forward(x);
  return relu === null ? y : relu.forward(y);
}
