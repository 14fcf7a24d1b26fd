// Engstrom's TensorFlow fast-style-transfer transform network (lengstrom/fast-style-transfer, as
// shipped by ml5), rebuilt in NCHW with TensorFlow's padding rules:
//   input [N, 3, H, W] RGB 0–255 (no preprocessing)
//   conv1 9×9/1 →32, conv2 3×3/2 →64, conv3 3×3/2 →128 (each: conv, IN, ReLU)
//   res1…res5: x + conv_b(ReLU(conv_a(x)))  (conv_a: conv, IN, ReLU; conv_b: conv, IN)
//   deconv1 3×3/2 →64, deconv2 3×3/2 →32 (conv2d_transpose, IN, ReLU), conv_out 9×9/1 →3 (conv, IN)
//   output clip(tanh(y)·150 + 127.5, 0, 255)
// No conv has a bias; instance norm is biased-variance, eps 1e-3, scale γ and shift β per channel.
//
// TF "SAME" padding (zeros): out = ceil(H/s), pad_total = max((out − 1)·s + k − H, 0),
// pad_before = floor(pad_total/2), the rest after. Stride 1, odd k: k//2 on both sides (torch's
// padding). Stride 2, k 3: even H pads 0 before and 1 after, odd H pads 1 and 1; torch's symmetric
// padding=1 samples the other parity of rows for even H, so the extra row is added explicitly.
// conv2d_transpose "SAME" with output s·H is the adjoint of that conv on an s·H input, whose
// pad_before is floor((k − s)/2) (0 for k 3, s 2): torch's conv_transpose2d without padding gives
// (H − 1)·s + k rows, and rows [pad_before, pad_before + s·H) are TF's.
// Layouts: TF kernels are HWIO ([kh, kw, out, in] for conv2d_transpose); load.ts converts them to
// torch's OIHW ([in, out, kh, kw] for conv_transpose2d, which is the same permutation).
import { Tensor } from '../tensor.js';
import { F } from '../ops/index.js';
import { Module } from '../nn/module.js';
import { InstanceNorm2d } from '../nn/norm.js';
import { isGradEnabled } from '../autograd.js';
import { instanceNormInference } from './norm.js';
import { fmt, ShapeError } from '../shape.js';
import type { FastStyleNet, TileLayer, TilePlan } from './tiled.js';

/** TF "SAME" padding of one axis: [before, after]. */
export function samePadding(size: number, k: number, stride: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + k - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Rows conv2d_transpose "SAME" drops before its output: pad_before of the adjoint conv on s·H. */
export function deconvSameBefore(k: number, stride: number): number {
  return Math.floor(Math.max(k - stride, 0) / 2);
}

/** clip(tanh(y)·150 + 127.5, 0, 255), the clip as relu(v) − relu(v − 255) (differentiable ops). */
export function tanhTo255(y: Tensor): Tensor {
  const v = y.tanh().mul(150).add(127.5);
  return v.relu().sub(v.sub(255).relu());
}

export interface EngstromLayerOptions {
  in_channels: number;
  out_channels: number;
  kernel_size: number;
  stride: number;
  /** conv2d_transpose (output stride·H) instead of conv2d (output ceil(H/stride)). */
  transposed: boolean;
  relu: boolean;
}

/**
 * One conv block: bias-free (transposed) conv with TF "SAME" padding, instance norm (eps 1e-3),
 * optional ReLU. State: `weight` (OIHW, or [in, out, kh, kw] when transposed), `norm.weight` (TF's
 * scale γ), `norm.bias` (TF's shift β).
 */
export class EngstromLayer extends Module {
  readonly weight: Tensor;
  readonly norm: InstanceNorm2d;
  readonly kernel_size: number;
  readonly stride: number;
  readonly transposed: boolean;
  readonly relu: boolean;

  constructor(o: EngstromLayerOptions) {
    super();
    const k = (this.kernel_size = o.kernel_size);
    this.stride = o.stride;
    this.transposed = o.transposed;
    this.relu = o.relu;
    const shape = o.transposed ? [o.in_channels, o.out_channels, k, k] : [o.out_channels, o.in_channels, k, k];
    this.weight = this.registerParameter('weight', Tensor.zeros(shape));
    this.norm = this.registerModule('norm', new InstanceNorm2d(o.out_channels, { eps: 1e-3, affine: true }));
  }

  /** The conv alone (before instance norm). */
  conv(x: Tensor): Tensor {
    const k = this.kernel_size, s = this.stride;
    const [, , h, w] = x.shape;
    if (this.transposed) {
      const full = F.conv_transpose2d(x, this.weight, null, { stride: s }); // (H − 1)·s + k rows
      const before = deconvSameBefore(k, s), [fh, fw] = full.shape.slice(2);
      return F.constant_pad2d(full, { padding: [-before, s * w + before - fw, -before, s * h + before - fh] });
    }
    const [top, bottom] = samePadding(h, k, s), [left, right] = samePadding(w, k, s);
    // The symmetric part goes to the conv; the extra row/column after (TF's asymmetry) is explicit.
    const pad = bottom > top || right > left ? F.constant_pad2d(x, { padding: [0, right - left, 0, bottom - top] }) : x;
    return F.conv2d(pad, this.weight, null, { stride: s, padding: [top, left] });
  }

  forward(x: Tensor): Tensor {
    const c = this.conv(x);
    // Inference: one fused pass (same numbers up to float rounding; statistics in float64).
    if (!isGradEnabled()) return instanceNormInference(c, this.norm, this.relu);
    const y = this.norm.forward(c);
    return this.relu ? y.relu() : y;
  }

  /** This block as tiled.ts layers. */
  tileLayers(): TileLayer[] {
    const n = this.norm;
    return [
      this.transposed ? { kind: 'deconv', weight: this.weight, bias: null, stride: this.stride } : { kind: 'conv', weight: this.weight, bias: null, stride: this.stride, padding: 'same' },
      { kind: 'norm', weight: n.weight, bias: n.bias, eps: n.eps, relu: this.relu },
    ];
  }

  override extraRepr(): string {
    const [a, b] = this.transposed ? [this.weight.shape[0], this.weight.shape[1]] : [this.weight.shape[1], this.weight.shape[0]];
    return `${a}, ${b}, kernel_size=${this.kernel_size}, stride=${this.stride}${this.transposed ? ', transposed=True' : ''}${this.relu ? ', relu=True' : ''}`;
  }
}

const conv = (cin: number, cout: number, k: number, stride: number, relu = true): EngstromLayer =>
  new EngstromLayer({ in_channels: cin, out_channels: cout, kernel_size: k, stride, transposed: false, relu });

/** x + conv_b(conv_a(x)): conv_a has a ReLU, conv_b none, and there is none after the sum. */
export class EngstromResidual extends Module {
  readonly conv_a = this.registerModule('conv_a', conv(128, 128, 3, 1));
  readonly conv_b = this.registerModule('conv_b', conv(128, 128, 3, 1, false));
  forward(x: Tensor): Tensor {
    return x.add(this.conv_b.forward(this.conv_a.forward(x)));
  }
}

/** Engstrom's transform net; load weights with load.ts (engstromStateDict) or loadStateDict. */
export class EngstromNet extends Module implements FastStyleNet {
  /** Two stride-2 convs: H' = 4·ceil(H/4). */
  readonly sizeMultiple = 4;
  readonly conv1 = this.registerModule('conv1', conv(3, 32, 9, 1));
  readonly conv2 = this.registerModule('conv2', conv(32, 64, 3, 2));
  readonly conv3 = this.registerModule('conv3', conv(64, 128, 3, 2));
  readonly res: readonly EngstromResidual[] = [1, 2, 3, 4, 5].map((i) => this.registerModule(`res${i}`, new EngstromResidual()));
  readonly deconv1 = this.registerModule('deconv1', new EngstromLayer({ in_channels: 128, out_channels: 64, kernel_size: 3, stride: 2, transposed: true, relu: true }));
  readonly deconv2 = this.registerModule('deconv2', new EngstromLayer({ in_channels: 64, out_channels: 32, kernel_size: 3, stride: 2, transposed: true, relu: true }));
  readonly conv_out = this.registerModule('conv_out', conv(32, 3, 9, 1, false));

  /** [N, 3, H, W] RGB 0–255 → [N, 3, 4·ceil(H/4), 4·ceil(W/4)] RGB 0–255. */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== 3) throw new ShapeError(`EngstromNet: expected input [N, 3, H, W] (RGB 0–255), got ${fmt(x.shape)}`);
    let y = this.conv3.forward(this.conv2.forward(this.conv1.forward(x)));
    for (const block of this.res) y = block.forward(y);
    return tanhTo255(this.conv_out.forward(this.deconv2.forward(this.deconv1.forward(y))));
  }

  /** The layers for tiled inference (src/fast/tiled.ts): the residual blocks run whole at 1/4 size. */
  tilePlan(): TilePlan {
    return {
      head: [this.conv1, this.conv2, this.conv3].flatMap((l) => l.tileLayers()),
      body: (x) => this.res.reduce((y, block) => block.forward(y), x),
      tail: [...[this.deconv1, this.deconv2, this.conv_out].flatMap((l) => l.tileLayers()), { kind: 'tanh255' }],
    };
  }
}
