// Johnson et al.'s feed-forward style network in the layout of pytorch/examples fast_neural_style
// (transformer_net.py), with exactly its state-dict names (`conv1.conv2d.weight`, `res3.in2.bias`,
// `deconv2.conv2d.weight`, …), so `.pth` files written by that example load key for key.
//   input  [N, 3, H, W], RGB in 0–255 (no normalisation, as the example feeds it)
//   conv1 9×9 → IN → ReLU, conv2 3×3/2 → IN → ReLU, conv3 3×3/2 → IN → ReLU,
//   res1…res5 (conv → IN → ReLU → conv → IN, + x),
//   deconv1/2 (nearest ×2 → reflection pad → 3×3 conv) → IN → ReLU, deconv3 9×9 conv
//   output [N, 3, H', W'], no activation: values roughly 0–255 once trained (clamp when saving).
// Every conv is preceded by ReflectionPad2d(k // 2); InstanceNorm2d(affine) eps 1e-5.
// NOTE: the stride-2 convs give ceil(H/2) and the ×2 upsamplings double it, so H' = 4·ceil(H/4):
// sizes that are not multiples of 4 grow (src/fast/tiled.ts pads and crops back).
import type { Tensor } from '../tensor.js';
import type { Rng } from '../rng.js';
import { Module } from '../nn/module.js';
import { Conv2d } from '../nn/conv.js';
import { InstanceNorm2d } from '../nn/norm.js';
import { ReflectionPad2d } from '../nn/padding.js';
import { Upsample } from '../nn/upsampling.js';
import { ReLU } from '../nn/activation.js';
import { fmt, ShapeError } from '../shape.js';
import type { FastStyleNet, TileLayer, TilePlan } from './tiled.js';
import { normRelu } from './norm.js';

export interface TransformerNetOptions {
  /** Generator for the initial conv weights (default: the global one). */
  rng?: Rng;
}

/** ReflectionPad2d(k // 2) + Conv2d(k, stride): the example's ConvLayer. */
export class ConvLayer extends Module {
  readonly reflection_pad: ReflectionPad2d;
  readonly conv2d: Conv2d;
  constructor(in_channels: number, out_channels: number, kernel_size: number, stride: number, opts: TransformerNetOptions = {}) {
    super();
    this.reflection_pad = this.registerModule('reflection_pad', new ReflectionPad2d(Math.floor(kernel_size / 2)));
    this.conv2d = this.registerModule('conv2d', new Conv2d(in_channels, out_channels, kernel_size, { stride, rng: opts.rng }));
  }
  forward(x: Tensor): Tensor {
    return this.conv2d.forward(this.reflection_pad.forward(x));
  }
}

/** x + IN(conv(ReLU(IN(conv(x))))): the example's ResidualBlock (no ReLU after the sum). */
export class ResidualBlock extends Module {
  readonly conv1: ConvLayer;
  readonly in1: InstanceNorm2d;
  readonly conv2: ConvLayer;
  readonly in2: InstanceNorm2d;
  readonly relu: ReLU;
  constructor(channels: number, opts: TransformerNetOptions = {}) {
    super();
    this.conv1 = this.registerModule('conv1', new ConvLayer(channels, channels, 3, 1, opts));
    this.in1 = this.registerModule('in1', new InstanceNorm2d(channels, { affine: true }));
    this.conv2 = this.registerModule('conv2', new ConvLayer(channels, channels, 3, 1, opts));
    this.in2 = this.registerModule('in2', new InstanceNorm2d(channels, { affine: true }));
    this.relu = this.registerModule('relu', new ReLU());
  }
  forward(x: Tensor): Tensor {
    const y = normRelu(this.in1, this.relu, this.conv1.forward(x));
    return x.add(normRelu(this.in2, null, this.conv2.forward(y)));
  }
}

/**
 * Nearest ×upsample, then ReflectionPad2d(k // 2) + Conv2d: the example's UpsampleConvLayer
 * (resize-convolution instead of a transposed conv, which avoids checkerboard artefacts).
 * torch calls F.interpolate there (no submodule); the Upsample module here has no state either.
 */
export class UpsampleConvLayer extends Module {
  readonly upsample: Upsample;
  readonly reflection_pad: ReflectionPad2d;
  readonly conv2d: Conv2d;
  constructor(in_channels: number, out_channels: number, kernel_size: number, stride: number, upsample: number, opts: TransformerNetOptions = {}) {
    super();
    this.upsample = this.registerModule('upsample', new Upsample({ scale_factor: upsample }));
    this.reflection_pad = this.registerModule('reflection_pad', new ReflectionPad2d(Math.floor(kernel_size / 2)));
    this.conv2d = this.registerModule('conv2d', new Conv2d(in_channels, out_channels, kernel_size, { stride, rng: opts.rng }));
  }
  forward(x: Tensor): Tensor {
    return this.conv2d.forward(this.reflection_pad.forward(this.upsample.forward(x)));
  }
}

/** new TransformerNet(); net.loadStateDict(parsePth(bytes).tensors); net.forward(x0to255) */
export class TransformerNet extends Module implements FastStyleNet {
  /** Two stride-2 convs: H' = 4·ceil(H/4). */
  readonly sizeMultiple = 4;
  readonly conv1: ConvLayer;
  readonly in1: InstanceNorm2d;
  readonly conv2: ConvLayer;
  readonly in2: InstanceNorm2d;
  readonly conv3: ConvLayer;
  readonly in3: InstanceNorm2d;
  readonly res: readonly ResidualBlock[];
  readonly deconv1: UpsampleConvLayer;
  readonly in4: InstanceNorm2d;
  readonly deconv2: UpsampleConvLayer;
  readonly in5: InstanceNorm2d;
  readonly deconv3: ConvLayer;
  readonly relu: ReLU;

  constructor(opts: TransformerNetOptions = {}) {
    super();
    // Registration order = torch's attribute order = state-dict order.
    this.conv1 = this.registerModule('conv1', new ConvLayer(3, 32, 9, 1, opts));
    this.in1 = this.registerModule('in1', new InstanceNorm2d(32, { affine: true }));
    this.conv2 = this.registerModule('conv2', new ConvLayer(32, 64, 3, 2, opts));
    this.in2 = this.registerModule('in2', new InstanceNorm2d(64, { affine: true }));
    this.conv3 = this.registerModule('conv3', new ConvLayer(64, 128, 3, 2, opts));
    this.in3 = this.registerModule('in3', new InstanceNorm2d(128, { affine: true }));
    this.res = [1, 2, 3, 4, 5].map((i) => this.registerModule(`res${i}`, new ResidualBlock(128, opts)));
    this.deconv1 = this.registerModule('deconv1', new UpsampleConvLayer(128, 64, 3, 1, 2, opts));
    this.in4 = this.registerModule('in4', new InstanceNorm2d(64, { affine: true }));
    this.deconv2 = this.registerModule('deconv2', new UpsampleConvLayer(64, 32, 3, 1, 2, opts));
    this.in5 = this.registerModule('in5', new InstanceNorm2d(32, { affine: true }));
    this.deconv3 = this.registerModule('deconv3', new ConvLayer(32, 3, 9, 1, opts));
    this.relu = this.registerModule('relu', new ReLU());
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== 3) throw new ShapeError(`TransformerNet: expected input [N, 3, H, W] (RGB 0–255), got ${fmt(x.shape)}`);
    let y = normRelu(this.in1, this.relu, this.conv1.forward(x));
    y = normRelu(this.in2, this.relu, this.conv2.forward(y));
    y = normRelu(this.in3, this.relu, this.conv3.forward(y));
    for (const block of this.res) y = block.forward(y);
    y = normRelu(this.in4, this.relu, this.deconv1.forward(y));
    y = normRelu(this.in5, this.relu, this.deconv2.forward(y));
    return this.deconv3.forward(y);
  }

  /** The layers for tiled inference (src/fast/tiled.ts): the residual blocks run whole at 1/4 size. */
  tilePlan(): TilePlan {
    const conv = (l: ConvLayer | UpsampleConvLayer): TileLayer => ({ kind: 'conv', weight: l.conv2d.weight, bias: l.conv2d.bias, stride: l.conv2d.stride[0], padding: 'reflect' });
    const norm = (n: InstanceNorm2d): TileLayer[] => [{ kind: 'norm', weight: n.weight, bias: n.bias, eps: n.eps, relu: true }];
    const up: TileLayer = { kind: 'upsample', scale: 2 };
    return {
      head: [conv(this.conv1), ...norm(this.in1), conv(this.conv2), ...norm(this.in2), conv(this.conv3), ...norm(this.in3)],
      body: (x) => this.res.reduce((y, block) => block.forward(y), x),
      tail: [up, conv(this.deconv1), ...norm(this.in4), up, conv(this.deconv2), ...norm(this.in5), conv(this.deconv3)],
    };
  }
}
