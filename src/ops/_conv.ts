// Shared conv/pool geometry and the three conv entry points (not an op). Everything is phrased in
// conv2d's terms: an "image" side x [N, Cin, H, W], an "output" side y [N, Cout, Ho, Wo] and a
// weight in conv2d layout [Cout, Cin/G, kh, kw]; conv_transpose2d runs conv2d's adjoint, so its
// input is the output side. The work is the backend's: banded im2col + GEMM (src/kernels/conv.ts,
// bounded column buffer), or the depthwise kernel when groups = Cin > 1 (src/kernels/depthwise.ts).
import { kernels, resultArray } from '../backend.js';
import { convSizes, type ConvGeom } from '../kernels/conv.js';
import { fmt, pair, ShapeError, sizeOf } from '../shape.js';

export { TILE_FLOATS, type ConvGeom } from '../kernels/conv.js';

export type Pair = number | number[];

/** A [h, w] pair of integers ≥ min (stride, dilation, kernel: 1; padding: 0). */
export function intPair(op: string, name: string, v: Pair | null, min: number): [number, number] {
  if (v === null) throw new RangeError(`${op}: ${name} is required`);
  const p = pair(op, name, v);
  if (!p.every((d) => Number.isInteger(d) && d >= min)) {
    throw new RangeError(`${op}: ${name} must be integers ≥ ${min}, got ${JSON.stringify(v)}`);
  }
  return p;
}

export function checkGroups(op: string, groups: number): void {
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`${op}: groups must be a positive integer, got ${groups}`);
}

/** conv2d output size along one axis: floor((h + 2p − d·(k−1) − 1) / s) + 1. */
export function convOut(h: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((h + 2 * p - d * (k - 1) - 1) / s) + 1;
}

/** conv_transpose2d output_padding that makes conv2d's adjoint land exactly on size h (always in [0, s)). */
export function adjointPadding(h: number, ho: number, k: number, s: number, p: number, d: number): number {
  return h - ((ho - 1) * s - 2 * p + d * (k - 1) + 1);
}

export interface ConvAttrs {
  stride: Pair;
  padding: Pair;
  dilation: Pair;
  groups: number;
}

/** Parsed stride/padding/dilation/groups of a conv-family op. */
export function convParams(op: string, a: ConvAttrs): { sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; groups: number } {
  const [sh, sw] = intPair(op, 'stride', a.stride, 1);
  const [ph, pw] = intPair(op, 'padding', a.padding, 0);
  const [dh, dw] = intPair(op, 'dilation', a.dilation, 1);
  checkGroups(op, a.groups);
  return { sh, sw, ph, pw, dh, dw, groups: a.groups };
}

/** Pool output size along one axis (FORMAT §3.3): ceil_mode windows must start inside x or the left pad. */
export function poolOut(h: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  let o = Math.floor((h + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (o - 1) * s >= h + p) o--;
  return o;
}

/** groups = Cin > 1: each output channel reads one input channel (Cin = groups = 1 stays a GEMM). */
function depthwise(g: ConvGeom): boolean {
  return g.groups === g.cin && g.cin > 1;
}

/** y = conv2d(x, W) (+ bias per output channel: inside the conv kernel, or after the depthwise one). */
export function convForward(x: Float32Array, wt: Float32Array, g: ConvGeom, bias: Float32Array | null = null): Float32Array {
  const y = resultArray(convSizes(g).y), k = kernels();
  if (!depthwise(g)) k.conv('forward', x, wt, g, y, bias);
  else {
    k.depthwise('forward', x, wt, g, y);
    if (bias !== null) addBias(y, bias, g.n, g.cout, g.ho * g.wo);
  }
  return y;
}

/** conv2d's adjoint in x applied to y (conv_transpose2d without bias). */
export function convTranspose(y: Float32Array, wt: Float32Array, g: ConvGeom): Float32Array {
  const x = resultArray(convSizes(g).x), k = kernels();
  (depthwise(g) ? k.depthwise : k.conv)('input', y, wt, g, x);
  return x;
}

/** ∂L/∂W for y = conv2d(x, W) and ∂L/∂y = dy. */
export function convWeight(x: Float32Array, dy: Float32Array, g: ConvGeom): Float32Array {
  const dw = resultArray(convSizes(g).w), k = kernels();
  (depthwise(g) ? k.depthwise : k.conv)('weight', x, dy, g, dw);
  return dw;
}

/** Adds bias[c] to every element of channel c of y [N, C, plane]. */
export function addBias(y: Float32Array, bias: Float32Array, n: number, c: number, plane: number): void {
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const b = bias[ch], off = (i * c + ch) * plane;
      for (let j = 0; j < plane; j++) y[off + j] += b;
    }
  }
}

export interface PoolAttrs {
  kernel_size: Pair | null;
  /** null: = kernel_size (torch's default). */
  stride: Pair | null;
  padding: Pair;
  ceil_mode: boolean;
}

export interface PoolGeom {
  lead: number[]; // leading axes ([N, C] or [C]); pooling runs per plane
  planes: number;
  h: number; w: number; ho: number; wo: number;
  kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
}

/** Validated pool geometry for an input of shape [..., H, W] (rank 3 or 4, as torch). */
export function poolGeom(op: string, shape: readonly number[], a: PoolAttrs, dilation: Pair = 1): PoolGeom {
  const [kh, kw] = intPair(op, 'kernel_size', a.kernel_size, 1);
  const [sh, sw] = a.stride === null ? [kh, kw] : intPair(op, 'stride', a.stride, 1);
  const [ph, pw] = intPair(op, 'padding', a.padding, 0);
  const [dh, dw] = intPair(op, 'dilation', dilation, 1);
  if (ph > kh / 2 || pw > kw / 2) {
    throw new RangeError(`${op}: padding ${JSON.stringify(a.padding)} must be at most half of kernel_size ${JSON.stringify(a.kernel_size)}`);
  }
  if (shape.length !== 3 && shape.length !== 4) throw new ShapeError(`${op}: expected a 3-D or 4-D input [N, C, H, W], got ${fmt(shape)}`);
  const lead = shape.slice(0, -2), [h, w] = shape.slice(-2);
  const ho = poolOut(h, kh, sh, ph, dh, a.ceil_mode), wo = poolOut(w, kw, sw, pw, dw, a.ceil_mode);
  if (ho <= 0 || wo <= 0) throw new ShapeError(`${op}: input ${fmt(shape)} is too small for kernel_size ${JSON.stringify(a.kernel_size)} (output ${ho}×${wo})`);
  return { lead, planes: sizeOf(lead), h, w, ho, wo, kh, kw, sh, sw, ph, pw, dh, dw };
}

/** The geometry of a pool backward op: dy [..., Ho, Wo] must be the pool output of input_size. */
export function poolBackGeom(op: string, dyShape: readonly number[], inputSize: readonly number[], a: PoolAttrs, dilation: Pair = 1): PoolGeom {
  if (dyShape.length < 2 || inputSize.length !== 2) throw new ShapeError(`${op}: expected dy [..., Ho, Wo] and input_size [H, W], got ${fmt(dyShape)} and ${JSON.stringify(inputSize)}`);
  const g = poolGeom(op, [...dyShape.slice(0, -2), ...inputSize], a, dilation);
  if (g.ho !== dyShape[dyShape.length - 2] || g.wo !== dyShape[dyShape.length - 1]) {
    throw new ShapeError(`${op}: dy ${fmt(dyShape)} is not the pool output of input size ${fmt(inputSize)} (expected ${g.ho}×${g.wo})`);
  }
  return g;
}

/** avg_pool2d windows along one axis: clamped [lo, hi) inside x and the divisor factor (FORMAT §3.3). */
export function avgSpans(o: number, size: number, k: number, s: number, p: number, countIncludePad: boolean): { lo: Int32Array; hi: Int32Array; div: Float64Array } {
  const lo = new Int32Array(o), hi = new Int32Array(o), div = new Float64Array(o);
  for (let i = 0; i < o; i++) {
    const start = i * s - p, end = Math.min(start + k, size + p); // cut at H + p (torch)
    lo[i] = Math.max(start, 0);
    hi[i] = Math.min(end, size);
    div[i] = countIncludePad ? end - start : hi[i] - lo[i];
  }
  return { lo, hi, div };
}

export interface AvgPool2dAttrs extends PoolAttrs {
  count_include_pad: boolean;
  divisor_override: number | null;
}

export const avgPoolDefaults: AvgPool2dAttrs = {
  kernel_size: null, stride: null, padding: 0, ceil_mode: false, count_include_pad: true, divisor_override: null,
};

export function checkDivisor(op: string, d: number | null): void {
  if (d !== null && !(Number.isInteger(d) && d > 0)) throw new RangeError(`${op}: divisor_override must be a positive integer or null, got ${d}`);
}
