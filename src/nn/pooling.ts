// Pooling layers (torch.nn.MaxPool2d, AvgPool2d) over F.max_pool2d / F.avg_pool2d.
// x [N, C, H, W] or [C, H, W] → [.., Ho, Wo], Ho = floor((H + 2p − d(k−1) − 1 + (ceil_mode ? s−1 : 0)) / s) + 1
// stride defaults to kernel_size, as torch.
import type { Tensor } from '../tensor.js';
import { F } from '../ops/index.js';
import { Module, pyRepr } from './module.js';
import { on4d } from './_spatial.js';
import { checkBool, checkOptions, intPair } from './_check.js';

type IntOrPair = number | [number, number];

export interface MaxPool2dOptions {
  stride?: IntOrPair;
  padding?: IntOrPair;
  dilation?: IntOrPair;
  ceil_mode?: boolean;
}

/** new MaxPool2d(2): halves H and W (VGG). */
export class MaxPool2d extends Module {
  readonly kernel_size: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly ceil_mode: boolean;

  constructor(kernel_size: IntOrPair, opts: MaxPool2dOptions = {}) {
    super();
    checkOptions('MaxPool2d', opts, ['stride', 'padding', 'dilation', 'ceil_mode']);
    this.kernel_size = intPair('MaxPool2d', 'kernel_size', kernel_size, 1);
    this.stride = intPair('MaxPool2d', 'stride', opts.stride ?? kernel_size, 1);
    this.padding = intPair('MaxPool2d', 'padding', opts.padding ?? 0, 0);
    this.dilation = intPair('MaxPool2d', 'dilation', opts.dilation ?? 1, 1);
    this.ceil_mode = checkBool('MaxPool2d', 'ceil_mode', opts.ceil_mode ?? false);
  }

  forward(x: Tensor): Tensor {
    const { kernel_size, stride, padding, dilation, ceil_mode } = this;
    return on4d(this, x, (x4) => F.max_pool2d(x4, { kernel_size, stride, padding, dilation, ceil_mode }));
  }

  override extraRepr(): string {
    const { kernel_size: k, stride: s, padding: p, dilation: d } = this;
    return `kernel_size=${pyRepr(k)}, stride=${pyRepr(s)}, padding=${pyRepr(p)}, dilation=${pyRepr(d)}, ceil_mode=${pyRepr(this.ceil_mode)}`;
  }
}

export interface AvgPool2dOptions {
  stride?: IntOrPair;
  padding?: IntOrPair;
  ceil_mode?: boolean;
  /** Count the zero padding in the divisor (torch's default true). */
  count_include_pad?: boolean;
}

/** new AvgPool2d(2): the max-pool replacement of Gatys et al.'s style transfer. */
export class AvgPool2d extends Module {
  readonly kernel_size: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceil_mode: boolean;
  readonly count_include_pad: boolean;

  constructor(kernel_size: IntOrPair, opts: AvgPool2dOptions = {}) {
    super();
    checkOptions('AvgPool2d', opts, ['stride', 'padding', 'ceil_mode', 'count_include_pad']);
    this.kernel_size = intPair('AvgPool2d', 'kernel_size', kernel_size, 1);
    this.stride = intPair('AvgPool2d', 'stride', opts.stride ?? kernel_size, 1);
    this.padding = intPair('AvgPool2d', 'padding', opts.padding ?? 0, 0);
    this.ceil_mode = checkBool('AvgPool2d', 'ceil_mode', opts.ceil_mode ?? false);
    this.count_include_pad = checkBool('AvgPool2d', 'count_include_pad', opts.count_include_pad ?? true);
  }

  forward(x: Tensor): Tensor {
    const { kernel_size, stride, padding, ceil_mode, count_include_pad } = this;
    return on4d(this, x, (x4) => F.avg_pool2d(x4, { kernel_size, stride, padding, ceil_mode, count_include_pad }));
  }

  override extraRepr(): string {
    return `kernel_size=${pyRepr(this.kernel_size)}, stride=${pyRepr(this.stride)}, padding=${pyRepr(this.padding)}`;
  }
}
