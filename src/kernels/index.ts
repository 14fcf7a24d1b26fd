// The whole backend contract: the kernels both backends implement. The TS functions are the
// reference (plain loops, the specification); src/wasm binds the AssemblyScript twins.
import { adam } from './adam.js';
import { add_rows } from './add_rows.js';
import { axpby } from './axpby.js';
import { col2im } from './col2im.js';
import { conv } from './conv.js';
import { depthwise } from './depthwise.js';
import { gemm } from './gemm.js';
import { im2col } from './im2col.js';
import { layer_grad } from './layer_grad.js';
import { reflection_pad2d } from './reflection_pad2d.js';
import { reflection_pad2d_backward } from './reflection_pad2d_backward.js';
import { upsample_nearest2d } from './upsample_nearest2d.js';
import { upsample_nearest2d_backward } from './upsample_nearest2d_backward.js';
import { leaky_relu } from './leaky_relu.js';
import { relu_mask } from './relu_mask.js';
import { max_pool2d } from './max_pool2d.js';
import { max_pool2d_backward } from './max_pool2d_backward.js';
import { plane_norm } from './plane_norm.js';
import { plane_norm_backward } from './plane_norm_backward.js';
import { power_iteration } from './power_iteration.js';
import { spectral_norm_grad } from './spectral_norm_grad.js';
import { sum_rows } from './sum_rows.js';

export interface Kernels {
  gemm: typeof gemm;
  im2col: typeof im2col;
  col2im: typeof col2im;
  /** Whole convolutions, forward or either adjoint: each operand crosses into a backend once per call. */
  conv: typeof conv;
  depthwise: typeof depthwise;
  adam: typeof adam;
  /** Spectral normalisation's σ estimate. */
  power_iteration: typeof power_iteration;
  /** Instance norm's (and one-image batch norm's) forward. */
  plane_norm: typeof plane_norm;
  /** Its backward (batch norm's and instance norm's without a graph to record): the sums for ∂β, ∂γ and ∂x. */
  plane_norm_backward: typeof plane_norm_backward;
  /** a·x + b·y elementwise (spectral norm's W/σ, the weight EMA). */
  axpby: typeof axpby;
  /** A [cols] row added to every row of a [rows, cols] matrix (bias adds), and the column sums (their gradient). */
  add_rows: typeof add_rows;
  sum_rows: typeof sum_rows;
  /** Leaky ReLU's forward and backward (the GANs' activation). */
  leaky_relu: typeof leaky_relu;
  /** ReLU in place keeping its mask as bits, and the mask applied to a gradient (the Gatys chain). */
  relu_mask: typeof relu_mask;
  /** Max pooling with its argmax (F.max_pool2d, Gatys' chain). */
  max_pool2d: typeof max_pool2d;
  /** Its gradient: dy scattered onto the argmax positions (returns the first bad index's position, or −1). */
  max_pool2d_backward: typeof max_pool2d_backward;
  /** The gradient through spectral norm's W/σ. */
  spectral_norm_grad: typeof spectral_norm_grad;
  /** One Gatys loss layer's gradient from its content difference and style product. */
  layer_grad: typeof layer_grad;
  /** Reflection padding of [planes, h, w] (a style network's input and residual convs). */
  reflection_pad2d: typeof reflection_pad2d;
  /** Its adjoint (the reflected borders folded back). */
  reflection_pad2d_backward: typeof reflection_pad2d_backward;
  /** Nearest upsampling by integer factors (the style decoders) and its adjoint (block sums). */
  upsample_nearest2d: typeof upsample_nearest2d;
  upsample_nearest2d_backward: typeof upsample_nearest2d_backward;
}

export const tsKernels: Kernels = { gemm, im2col, col2im, adam, conv, depthwise, power_iteration, plane_norm, plane_norm_backward, axpby, add_rows, sum_rows, leaky_relu, relu_mask, max_pool2d, max_pool2d_backward, spectral_norm_grad, layer_grad, reflection_pad2d, reflection_pad2d_backward, upsample_nearest2d, upsample_nearest2d_backward };

// The WASM twins bound to this contract (src/wasm/bindings.ts); src/node/wasm.ts registers them.
export { bindWasmKernels } from '../wasm/bindings.js';
