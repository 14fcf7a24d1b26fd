// torch.nn.init: in-place initialisers on the seeded Rng (default: the global one of src/rng.ts,
// so manualSeed(s) makes a whole model reproducible). Values are drawn in row-major order,
// computed in float64 and rounded to float32 once.
//   fan_in = size(1)·receptive, fan_out = size(0)·receptive, receptive = Π size(2..)
//   xavier:  std = gain·√(2 / (fan_in + fan_out)),  uniform bound = √3·std
//   kaiming: std = gain / √fan (mode fan_in | fan_out), uniform bound = √3·std
// Example (DCGAN's weights_init):
//   net.apply((m) => { if (m instanceof Conv2d) init.normal_(m.weight, { mean: 0, std: 0.02 }); });
import type { Tensor } from '../tensor.js';
import { globalRng, type Rng } from '../rng.js';
import { fmt } from '../shape.js';

export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

export type FanMode = 'fan_in' | 'fan_out';

/** torch.nn.init.calculate_gain: the recommended gain for a nonlinearity (param = leaky_relu's slope, default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d': case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) throw new RangeError(`calculateGain: negative_slope ${slope} not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new RangeError(`calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

/** torch's _calculate_fan_in_and_fan_out (weights of rank ≥ 2: [out, in, ...kernel]). */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) throw new RangeError(`init: fan in and fan out can not be computed for tensor of shape ${fmt(t.shape)} (fewer than 2 dimensions)`);
  let receptive = 1;
  for (let i = 2; i < t.ndim; i++) receptive *= t.shape[i];
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

function fill(t: Tensor, draw: () => number): Tensor {
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = draw();
  return t;
}

function finite(fn: string, values: Record<string, number>): void {
  for (const [k, v] of Object.entries(values)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`${fn}: ${k} must be a finite number, got ${v}`);
  }
}

/** U(a, b) in place. */
export function uniform_(t: Tensor, opts: { a?: number; b?: number; rng?: Rng } = {}): Tensor {
  const { a = 0, b = 1 } = opts;
  finite('uniform_', { a, b });
  if (a > b) throw new RangeError(`uniform_: expects a [from, to) range, but found from=${a} > to=${b}`);
  const rng = opts.rng ?? globalRng;
  return fill(t, () => rng.uniform(a, b));
}

/** N(mean, std²) in place. */
export function normal_(t: Tensor, opts: { mean?: number; std?: number; rng?: Rng } = {}): Tensor {
  const { mean = 0, std = 1 } = opts;
  finite('normal_', { mean, std });
  if (std < 0) throw new RangeError(`normal_: expects std >= 0.0, got ${std}`);
  const rng = opts.rng ?? globalRng;
  return fill(t, () => rng.normal(mean, std));
}

export function constant_(t: Tensor, val: number): Tensor {
  t.data.fill(val);
  return t;
}
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/** Glorot uniform: U(−bound, bound), bound = gain·√(6 / (fan_in + fan_out)). */
export function xavier_uniform_(t: Tensor, opts: { gain?: number; rng?: Rng } = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const std = (opts.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut));
  const bound = Math.sqrt(3) * std;
  return uniform_(t, { a: -bound, b: bound, rng: opts.rng });
}

/** Glorot normal: N(0, gain²·2 / (fan_in + fan_out)). */
export function xavier_normal_(t: Tensor, opts: { gain?: number; rng?: Rng } = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const std = (opts.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut));
  return normal_(t, { mean: 0, std, rng: opts.rng });
}

export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (leaky_relu only); default 0. */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
  rng?: Rng;
}

function kaimingStd(fn: string, t: Tensor, opts: KaimingOptions): number {
  const { a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu' } = opts;
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new RangeError(`${fn}: mode ${JSON.stringify(mode)} not supported, please use one of fan_in, fan_out`);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return calculateGain(nonlinearity, a) / Math.sqrt(mode === 'fan_in' ? fanIn : fanOut);
}

/** He uniform: U(−bound, bound), bound = gain·√(3 / fan). Layers use a = √5, i.e. bound = 1/√fan_in. */
export function kaiming_uniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  if (t.size === 0) return t; // torch: "Initializing zero-element tensors is a no-op"
  const bound = Math.sqrt(3) * kaimingStd('kaiming_uniform_', t, opts);
  return uniform_(t, { a: -bound, b: bound, rng: opts.rng });
}

/** He normal: N(0, gain² / fan). */
export function kaiming_normal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  if (t.size === 0) return t;
  return normal_(t, { mean: 0, std: kaimingStd('kaiming_normal_', t, opts), rng: opts.rng });
}

/**
 * torch's reset_parameters() of Linear and Conv*d (torch 1.13): kaiming_uniform_(weight, a=√5),
 * i.e. U(±1/√fan_in), then bias U(±1/√fan_in), with fan_in from the weight's dim 1 (so
 * ConvTranspose2d's [Cin, Cout/groups, kh, kw] weight uses Cout/groups·kh·kw).
 */
export function layerDefault_(weight: Tensor, bias: Tensor | null, rng?: Rng): void {
  kaiming_uniform_(weight, { a: Math.sqrt(5), rng });
  if (bias === null) return;
  const { fanIn } = calculateFanInAndFanOut(weight);
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  uniform_(bias, { a: -bound, b: bound, rng });
}
