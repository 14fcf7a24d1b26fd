// A light feed-forward style network (`--arch mobile`): Johnson's plan (9×9 stem, two stride-2
// downsamplings, five residual blocks at 1/4 resolution, two ×2 resize-convolutions, 9×9 output)
// with depthwise-separable convolutions (a depthwise k×k conv, groups = channels, then a pointwise
// 1×1 conv) and MobileNetV2 inverted residuals (1×1 expand ×4 → depthwise 3×3 → 1×1 linear
// projection, + x). Instance norm (affine) after every conv but the last, as in TransformerNet;
// convs followed by a norm have no bias (the norm's shift replaces it).
//   input  [N, 3, H, W], RGB in 0–255;  output [N, 3, H', W'] ≈ 0–255 once trained (TransformerNet's
//   conventions, so both plug into one training loop and into `fast stylize`); H' = 4·ceil(H/4).
//   conv1   9×9 3→16 (full conv: 3 input channels) → IN → ReLU
//   down1   dw 3×3/2 (16) → IN → ReLU → pw 16→32 → IN → ReLU
//   down2   dw 3×3/2 (32) → IN → ReLU → pw 32→64 → IN → ReLU
//   res1…5  pw 64→256 → IN → ReLU → dw 3×3 (256) → IN → ReLU → pw 256→64 → IN, + x
//   up1/2   nearest ×2 → dw 3×3 → IN → ReLU → pw 64→32 (32→16) → IN → ReLU
//   out     dw 9×9 (16) → pw 16→3 (+ bias)
// Multiply-adds per input pixel ≈ 18k (bench/fast.bench.ts mobileFlops), against ≈ 153k for TransformerNet (whose residual blocks
// alone are 92k); parameters ≈ 0.2M against 1.68M. Every conv is preceded by ReflectionPad2d(k // 2).
import type { Tensor } from '../tensor.js';
import type { Rng } from '../rng.js';
import { Module } from '../nn/module.js';
import { Conv2d } from '../nn/conv.js';
import { InstanceNorm2d } from '../nn/norm.js';
import { ReflectionPad2d } from '../nn/padding.js';
import { Upsample } from '../nn/upsampling.js';
import { ReLU } from '../nn/activation.js';
import { fmt, ShapeError } from '../shape.js';
import { ConvLayer } from './transformer_net.js';
import { normRelu } from './norm.js';

export interface MobileStyleNetOptions {
  /** Generator for the initial conv weights (default: the global one). */
  rng?: Rng;
}

/** ReflectionPad2d(k // 2) + a depthwise k×k Conv2d (groups = channels, no bias). */
class DepthwiseConv extends Module {
  readonly reflection_pad: ReflectionPad2d;
  readonly conv2d: Conv2d;
  constructor(channels: number, kernel_size: number, stride: number, rng?: Rng) {
    super();
    this.reflection_pad = this.registerModule('reflection_pad', new ReflectionPad2d(Math.floor(kernel_size / 2)));
    this.conv2d = this.registerModule('conv2d', new Conv2d(channels, channels, kernel_size, { stride, groups: channels, bias: false, rng }));
  }
  forward(x: Tensor): Tensor {
    return this.conv2d.forward(this.reflection_pad.forward(x));
  }
}

/** [nearest ×upsample →] depthwise 3×3/stride → IN → ReLU → pointwise → IN → ReLU. */
export class SeparableBlock extends Module {
  readonly upsample: Upsample | null;
  readonly dw: DepthwiseConv;
  readonly in1: InstanceNorm2d;
  readonly pw: Conv2d;
  readonly in2: InstanceNorm2d;
  readonly relu: ReLU;
  constructor(in_channels: number, out_channels: number, opts: { stride?: number; upsample?: number; rng?: Rng } = {}) {
    super();
    this.upsample = opts.upsample === undefined ? null : this.registerModule('upsample', new Upsample({ scale_factor: opts.upsample }));
    this.dw = this.registerModule('dw', new DepthwiseConv(in_channels, 3, opts.stride ?? 1, opts.rng));
    this.in1 = this.registerModule('in1', new InstanceNorm2d(in_channels, { affine: true }));
    this.pw = this.registerModule('pw', new Conv2d(in_channels, out_channels, 1, { bias: false, rng: opts.rng }));
    this.in2 = this.registerModule('in2', new InstanceNorm2d(out_channels, { affine: true }));
    this.relu = this.registerModule('relu', new ReLU());
  }
  forward(x: Tensor): Tensor {
    const u = this.upsample === null ? x : this.upsample.forward(x);
    const y = normRelu(this.in1, this.relu, this.dw.forward(u));
    return normRelu(this.in2, this.relu, this.pw.forward(y));
  }
}

/** MobileNetV2's inverted residual: x + IN(pw↓(ReLU(IN(dw(ReLU(IN(pw↑(x)))))))) (linear bottleneck). */
export class InvertedResidual extends Module {
  readonly expand: Conv2d;
  readonly in1: InstanceNorm2d;
  readonly dw: DepthwiseConv;
  readonly in2: InstanceNorm2d;
  readonly project: Conv2d;
  readonly in3: InstanceNorm2d;
  readonly relu: ReLU;
  constructor(channels: number, expansion: number, rng?: Rng) {
    super();
    const hidden = channels * expansion;
    this.expand = this.registerModule('expand', new Conv2d(channels, hidden, 1, { bias: false, rng }));
    this.in1 = this.registerModule('in1', new InstanceNorm2d(hidden, { affine: true }));
    this.dw = this.registerModule('dw', new DepthwiseConv(hidden, 3, 1, rng));
    this.in2 = this.registerModule('in2', new InstanceNorm2d(hidden, { affine: true }));
    this.project = this.registerModule('project', new Conv2d(hidden, channels, 1, { bias: false, rng }));
    this.in3 = this.registerModule('in3', new InstanceNorm2d(channels, { affine: true }));
    this.relu = this.registerModule('relu', new ReLU());
  }
  forward(x: Tensor): Tensor {
    let y = normRelu(this.in1, this.relu, this.expand.forward(x));
    y = normRelu(this.in2, this.relu, this.dw.forward(y));
    return x.add(normRelu(this.in3, null, this.project.forward(y)));
  }
}

export class MobileStyleNet extends Module {
  readonly conv1: ConvLayer;
  readonly in1: InstanceNorm2d;
  readonly down1: SeparableBlock;
  readonly down2: SeparableBlock;
  readonly res: readonly InvertedResidual[];
  readonly up1: SeparableBlock;
  readonly up2: SeparableBlock;
  readonly out_dw: DepthwiseConv;
  readonly out_pw: Conv2d;
  readonly relu: ReLU;
  /** Inputs are padded to a multiple of this by `stylize` (two stride-2 convolutions). */
  readonly sizeMultiple = 4;

  constructor(opts: MobileStyleNetOptions = {}) {
    super();
    const rng = opts.rng;
    this.conv1 = this.registerModule('conv1', new ConvLayer(3, 16, 9, 1, { rng }));
    this.in1 = this.registerModule('in1', new InstanceNorm2d(16, { affine: true }));
    this.down1 = this.registerModule('down1', new SeparableBlock(16, 32, { stride: 2, rng }));
    this.down2 = this.registerModule('down2', new SeparableBlock(32, 64, { stride: 2, rng }));
    this.res = [1, 2, 3, 4, 5].map((i) => this.registerModule(`res${i}`, new InvertedResidual(64, 4, rng)));
    this.up1 = this.registerModule('up1', new SeparableBlock(64, 32, { upsample: 2, rng }));
    this.up2 = this.registerModule('up2', new SeparableBlock(32, 16, { upsample: 2, rng }));
    this.out_dw = this.registerModule('out_dw', new DepthwiseConv(16, 9, 1, rng));
    this.out_pw = this.registerModule('out_pw', new Conv2d(16, 3, 1, { rng }));
    this.relu = this.registerModule('relu', new ReLU());
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== 3) throw new ShapeError(`MobileStyleNet: expected input [N, 3, H, W] (RGB 0–255), got ${fmt(x.shape)}`);
    let y = normRelu(this.in1, this.relu, this.conv1.forward(x));
    y = this.down2.forward(this.down1.forward(y));
    for (const block of this.res) y = block.forward(y);
    y = this.up2.forward(this.up1.forward(y));
    return this.out_pw.forward(this.out_dw.forward(y));
  }
}
