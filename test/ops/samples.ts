// Small sample calls for every op in the table: the gradient check and the registry test iterate
// these. Values are kept away from kinks (relu at 0, max_pool ties) so finite differences are valid.
import { Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/rng.js';

export interface Sample {
  inputs: Record<string, Tensor>;
  attrs?: Record<string, unknown>;
  /** Inputs that take no gradient (targets, running statistics). */
  constant?: string[];
}

const rng = new Rng(7);
const r = (...shape: number[]) => Tensor.randn(shape, { rng });
/** Values with |v| ≥ 0.1, so kinks at 0 are at least one FD step away. */
const away = (...shape: number[]) => {
  const t = r(...shape);
  for (let i = 0; i < t.size; i++) t.data[i] = Math.sign(t.data[i] || 1) * (0.1 + Math.abs(t.data[i]));
  return t;
};
const pos = (...shape: number[]) => {
  const t = r(...shape);
  for (let i = 0; i < t.size; i++) t.data[i] = 0.5 + Math.abs(t.data[i]);
  return t;
};
/** Distinct values spaced ≥ 0.05 apart (no ties in max_pool2d). */
const distinct = (...shape: number[]) => {
  const t = r(...shape);
  const perm = rng.permutation(t.size);
  for (let i = 0; i < t.size; i++) t.data[i] = (perm[i] - t.size / 2) * 0.05;
  return t;
};

/** Valid argmax positions for the max_pool2d scatter/gather pair (input 3×3, output 2×2). */
const idx = () => Tensor.from([0, 3, 5, 8, 1, 1, 4, 7], [1, 2, 2, 2]);

export const samples: Record<string, Sample[]> = {
  abs: [{ inputs: { x: away(3, 4) } }],
  add: [{ inputs: { a: r(2, 3, 4), b: r(4) } }, { inputs: { a: r(2, 1, 4), b: r(3, 1) } }],
  cat: [{ inputs: { a: r(2, 3, 2), b: r(2, 1, 2) }, attrs: { dim: 1 } }, { inputs: { a: r(2, 3), b: r(4, 3) }, attrs: { dim: 0 } }],
  narrow: [{ inputs: { x: r(3, 5, 2) }, attrs: { dim: -2, start: 1, length: 3 } }],
  div: [{ inputs: { a: r(2, 3), b: pos(3) } }],
  exp: [{ inputs: { x: r(5) } }],
  expand: [{ inputs: { x: r(3, 1) }, attrs: { shape: [2, 3, 4] } }],
  leaky_relu: [{ inputs: { x: away(4, 5) }, attrs: { negative_slope: 0.2 } }],
  leaky_relu_backward: [{ inputs: { dy: r(4, 5), x: away(4, 5) }, attrs: { negative_slope: 0.2 }, constant: ['x'] }],
  linear: [{ inputs: { x: r(3, 5), weight: r(4, 5), bias: r(4) } }],
  log: [{ inputs: { x: pos(6) } }],
  matmul: [
    { inputs: { a: r(3, 4), b: r(4, 2) } },
    { inputs: { a: r(2, 3, 4), b: r(4, 5) } },
    { inputs: { a: r(1, 3, 4), b: r(2, 4, 5) } },
    { inputs: { a: r(4, 3), b: r(5, 4) }, attrs: { transpose_a: true, transpose_b: true } },
  ],
  mean: [{ inputs: { x: r(2, 3, 4) }, attrs: { dim: [0, 2], keepdim: false } }],
  mul: [{ inputs: { a: r(2, 3), b: r(2, 1) } }],
  permute: [{ inputs: { x: r(2, 3, 4) }, attrs: { dims: [2, 0, 1] } }],
  pow: [{ inputs: { x: pos(4) }, attrs: { exponent: 2.5 } }],
  relu: [{ inputs: { x: away(3, 3) } }],
  reshape: [{ inputs: { x: r(2, 6) }, attrs: { shape: [3, -1] } }],
  sigmoid: [{ inputs: { x: r(7) } }],
  sqrt: [{ inputs: { x: pos(5) } }],
  sub: [{ inputs: { a: r(3), b: r(2, 3) } }],
  sum: [{ inputs: { x: r(2, 3, 4) }, attrs: { dim: [-1], keepdim: true } }, { inputs: { x: r(3, 2) }, attrs: { dim: null, keepdim: false } }],
  tanh: [{ inputs: { x: r(6) } }],
  avg_pool2d: [{ inputs: { x: r(1, 2, 5, 4) }, attrs: { kernel_size: [3, 2], stride: 2, padding: 1, ceil_mode: true, count_include_pad: false } }],
  avg_pool2d_backward: [{ inputs: { dy: r(1, 2, 3, 3) }, attrs: { kernel_size: [3, 2], stride: 2, padding: 1, ceil_mode: true, count_include_pad: false, input_size: [5, 4] } }],
  conv2d: [
    { inputs: { x: r(2, 4, 5, 5), weight: r(6, 2, 3, 3), bias: r(6) }, attrs: { stride: [2, 1], padding: [1, 0], groups: 2 } },
    { inputs: { x: r(1, 2, 6, 6), weight: r(3, 2, 2, 2) }, attrs: { dilation: 2, padding: 1 } },
  ],
  conv2d_weight: [{ inputs: { x: r(2, 2, 5, 5), dy: r(2, 3, 3, 3) }, attrs: { stride: 2, padding: 1, kernel_size: 3 } }],
  conv_transpose2d: [{ inputs: { x: r(1, 4, 3, 3), weight: r(4, 3, 3, 3), bias: r(6) }, attrs: { stride: 2, padding: 1, output_padding: 1, groups: 2 } }],
  max_pool2d: [{ inputs: { x: distinct(1, 2, 5, 5) }, attrs: { kernel_size: 3, stride: 2, padding: 1, ceil_mode: true } }],
  max_pool2d_backward: [{ inputs: { dy: r(1, 2, 2, 2), indices: idx() }, attrs: { input_size: [3, 3] }, constant: ['indices'] }],
  max_pool2d_gather: [{ inputs: { x: r(1, 2, 3, 3), indices: idx() }, constant: ['indices'] }],
  constant_pad2d: [{ inputs: { x: r(1, 2, 3, 4) }, attrs: { padding: [0, 1, 2, 1], value: 0.5 } }, { inputs: { x: r(2, 4, 5) }, attrs: { padding: [-1, 2, 1, -2], value: 0 } }],
  reflection_pad2d: [{ inputs: { x: r(1, 2, 3, 4) }, attrs: { padding: [2, 1, 0, 2] } }],
  reflection_pad2d_backward: [{ inputs: { dy: r(1, 2, 5, 7) }, attrs: { padding: [2, 1, 0, 2] } }],
  upsample_nearest2d: [{ inputs: { x: r(1, 2, 2, 3) }, attrs: { scale_factor: [2, 3] } }],
  upsample_nearest2d_backward: [{ inputs: { dy: r(1, 2, 4, 9) }, attrs: { scale_factor: [2, 3] } }],
  batch_norm: [
    { inputs: { x: r(3, 2, 2, 2), weight: r(2), bias: r(2) }, attrs: { training: true } },
    { inputs: { x: r(4, 3), running_mean: r(3), running_var: pos(3), weight: r(3), bias: r(3) }, attrs: { training: true, momentum: 0.1 }, constant: ['running_mean', 'running_var'] },
    { inputs: { x: r(2, 3, 2), running_mean: r(3), running_var: pos(3), weight: r(3), bias: r(3) }, attrs: { training: false }, constant: ['running_mean', 'running_var'] },
  ],
  binary_cross_entropy_with_logits: [{ inputs: { input: r(3, 4), target: Tensor.rand([3, 4], { rng }) }, attrs: { reduction: 'mean' }, constant: ['target'] }],
  cross_entropy: [{ inputs: { input: r(4, 5), target: Tensor.from([1, 0, 4, 2]) }, constant: ['target'] }],
  gram: [{ inputs: { x: r(2, 3, 2, 3) } }],
  instance_norm: [{ inputs: { x: r(2, 3, 2, 3), weight: r(3), bias: r(3) } }, { inputs: { x: r(1, 2, 4) } }],
  log_softmax: [{ inputs: { x: r(3, 4) }, attrs: { dim: 1 } }],
  mse_loss: [{ inputs: { input: r(3, 4), target: r(3, 4) } }],
  softmax: [{ inputs: { x: r(2, 3, 4) }, attrs: { dim: 1 } }],
};

export const helpers = { r, away, pos, distinct, rng };
