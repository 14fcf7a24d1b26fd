// Conv2d and ConvTranspose2d (torch.nn): parameter holders that call F.conv2d / F.conv_transpose2d.
//   Conv2d          x [N, Cin, H, W], weight [Cout, Cin/groups, kh, kw] → [N, Cout, Ho, Wo]
//   ConvTranspose2d x [N, Cin, H, W], weight [Cin, Cout/groups, kh, kw] → [N, Cout, Ho, Wo]
// Init (torch 1.13 reset_parameters): weight and bias U(±1/√fan_in), fan_in = weight.shape[1]·kh·kw
// (so Cin/groups·kh·kw for Conv2d but Cout/groups·kh·kw for ConvTranspose2d, as torch).
// A 3-D input [C, H, W] is treated as a batch of one, as torch does.
import { Tensor } from '../tensor.js';
import { F } from '../ops/index.js';
import type { Rng } from '../rng.js';
import { fmt, ShapeError } from '../shape.js';
import { Module, pyRepr } from './module.js';
import { layerDefault_ } from './init.js';
import { checkBool, checkInt, checkOptions, intPair } from './_check.js';

type IntOrPair = number | [number, number];

export interface Conv2dOptions {
  stride?: IntOrPair;
  /** Zero padding per side; 'valid' = 0, 'same' = keep the size (stride 1, even total padding only). */
  padding?: IntOrPair | 'valid' | 'same';
  dilation?: IntOrPair;
  groups?: number;
  bias?: boolean;
  /** Generator for the initial weights (default: the global one). */
  rng?: Rng;
}

export interface ConvTranspose2dOptions {
  stride?: IntOrPair;
  padding?: IntOrPair;
  output_padding?: IntOrPair;
  groups?: number;
  bias?: boolean;
  dilation?: IntOrPair;
  rng?: Rng;
}

type ConvNdOptions = Conv2dOptions & { output_padding?: IntOrPair };

/** Shared by both convolutions: hyper-parameters, parameters, input checks. */
abstract class ConvNd extends Module {
  readonly in_channels: number;
  readonly out_channels: number;
  readonly kernel_size: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  readonly output_padding: [number, number];
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  /**
   * A parametrization of the weight (e.g. spectral norm, src/gan/spectral_norm.ts): when set,
   * forward uses weightFn() instead of `weight` (torch's forward pre-hook recomputing module.weight).
   */
  weightFn: (() => Tensor) | null = null;

  protected constructor(layer: string, transposed: boolean, in_channels: number, out_channels: number, kernel_size: IntOrPair,
    o: ConvNdOptions) {
    super();
    this.in_channels = checkInt(layer, 'in_channels', in_channels, 1);
    this.out_channels = checkInt(layer, 'out_channels', out_channels, 1);
    this.kernel_size = intPair(layer, 'kernel_size', kernel_size, 1);
    this.stride = intPair(layer, 'stride', o.stride ?? 1, 1);
    this.dilation = intPair(layer, 'dilation', o.dilation ?? 1, 1);
    this.groups = checkInt(layer, 'groups', o.groups ?? 1, 1);
    this.output_padding = intPair(layer, 'output_padding', o.output_padding ?? 0, 0);
    this.padding = this.resolvePadding(layer, o.padding ?? 0);
    if (in_channels % this.groups !== 0) throw new RangeError(`${layer}: in_channels (${in_channels}) must be divisible by groups (${this.groups})`);
    if (out_channels % this.groups !== 0) throw new RangeError(`${layer}: out_channels (${out_channels}) must be divisible by groups (${this.groups})`);
    const bias = checkBool(layer, 'bias', o.bias ?? true);
    const [kh, kw] = this.kernel_size;
    const shape = transposed ? [in_channels, out_channels / this.groups, kh, kw] : [out_channels, in_channels / this.groups, kh, kw];
    this.weight = this.registerParameter('weight', Tensor.zeros(shape));
    this.bias = this.registerParameter('bias', bias ? Tensor.zeros([out_channels]) : null);
    this.resetParameters(o.rng);
  }

  private resolvePadding(layer: string, padding: IntOrPair | 'valid' | 'same'): [number, number] {
    if (padding === 'valid') return [0, 0];
    if (padding !== 'same') return intPair(layer, 'padding', padding, 0);
    if (this.stride.some((s) => s !== 1)) throw new RangeError(`${layer}: padding='same' is not supported for strided convolutions`);
    const total = this.kernel_size.map((k, i) => this.dilation[i] * (k - 1));
    if (total.some((t) => t % 2 !== 0)) {
      throw new RangeError(`${layer}: padding='same' needs asymmetric padding for kernel_size ${pyRepr(this.kernel_size)} with dilation ${pyRepr(this.dilation)}, which is not supported`);
    }
    return [total[0] / 2, total[1] / 2];
  }

  resetParameters(rng?: Rng): void {
    layerDefault_(this.weight, this.bias, rng);
  }

  /** The weight forward uses: weightFn() when a parametrization is set, else `weight`. */
  protected currentWeight(): Tensor {
    return this.weightFn === null ? this.weight : this.weightFn();
  }

  /** x as [N, C, H, W] (3-D input gets a batch axis), after checking rank and channels. */
  protected batched(x: Tensor): Tensor {
    if ((x.ndim !== 3 && x.ndim !== 4) || x.shape[x.ndim - 3] !== this.in_channels) {
      throw new ShapeError(`${this.describe()}: expected input [N, ${this.in_channels}, H, W] or [${this.in_channels}, H, W], got ${fmt(x.shape)}`);
    }
    return x.ndim === 3 ? x.reshape(1, ...x.shape) : x;
  }

  protected unbatched(x: Tensor, y: Tensor): Tensor {
    return x.ndim === 3 ? y.reshape(y.shape.slice(1)) : y;
  }

  override extraRepr(): string {
    let s = `${this.in_channels}, ${this.out_channels}, kernel_size=${pyRepr(this.kernel_size)}, stride=${pyRepr(this.stride)}`;
    if (this.padding.some((p) => p !== 0)) s += `, padding=${pyRepr(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${pyRepr(this.dilation)}`;
    if (this.output_padding.some((p) => p !== 0)) s += `, output_padding=${pyRepr(this.output_padding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    return s;
  }
}

/** new Conv2d(3, 64, 4, { stride: 2, padding: 1, bias: false }): DCGAN's downsampling block. */
export class Conv2d extends ConvNd {
  constructor(in_channels: number, out_channels: number, kernel_size: IntOrPair, opts: Conv2dOptions = {}) {
    checkOptions('Conv2d', opts, ['stride', 'padding', 'dilation', 'groups', 'bias', 'rng']);
    super('Conv2d', false, in_channels, out_channels, kernel_size, opts);
  }

  forward(x: Tensor): Tensor {
    const y = F.conv2d(this.batched(x), this.currentWeight(), this.bias, {
      stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups,
    });
    return this.unbatched(x, y);
  }
}

/** new ConvTranspose2d(100, 512, 4, { stride: 1, padding: 0, bias: false }): DCGAN's first generator block. */
export class ConvTranspose2d extends ConvNd {
  constructor(in_channels: number, out_channels: number, kernel_size: IntOrPair, opts: ConvTranspose2dOptions = {}) {
    checkOptions('ConvTranspose2d', opts, ['stride', 'padding', 'output_padding', 'groups', 'bias', 'dilation', 'rng']);
    super('ConvTranspose2d', true, in_channels, out_channels, kernel_size, opts);
    this.output_padding.forEach((p, i) => {
      if (p >= this.stride[i] && p >= this.dilation[i]) {
        throw new RangeError(`ConvTranspose2d: output_padding ${pyRepr(this.output_padding)} must be smaller than either stride ${pyRepr(this.stride)} or dilation ${pyRepr(this.dilation)}`);
      }
    });
  }

  forward(x: Tensor): Tensor {
    const y = F.conv_transpose2d(this.batched(x), this.currentWeight(), this.bias, {
      stride: this.stride, padding: this.padding, output_padding: this.output_padding, groups: this.groups, dilation: this.dilation,
    });
    return this.unbatched(x, y);
  }
}
