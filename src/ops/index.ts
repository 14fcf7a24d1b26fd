// THE op table: every op of the library, one line each. Tests, the oracle runner, gradient checks
// and the functional API F are all derived from this list; registry.test.ts keeps it complete.
import type { AnyOp } from './op.js';
import { bindOps } from '../ops_ref.js';
import { abs } from './abs.js';
import { add } from './add.js';
import { avg_pool2d } from './avg_pool2d.js';
import { avg_pool2d_backward } from './avg_pool2d_backward.js';
import { cat } from './cat.js';
import { batch_norm } from './batch_norm.js';
import { binary_cross_entropy_with_logits } from './binary_cross_entropy_with_logits.js';
import { constant_pad2d } from './constant_pad2d.js';
import { conv2d } from './conv2d.js';
import { conv2d_weight } from './conv2d_weight.js';
import { conv_transpose2d } from './conv_transpose2d.js';
import { cross_entropy } from './cross_entropy.js';
import { div } from './div.js';
import { exp } from './exp.js';
import { expand } from './expand.js';
import { gram } from './gram.js';
import { instance_norm } from './instance_norm.js';
import { leaky_relu } from './leaky_relu.js';
import { leaky_relu_backward } from './leaky_relu_backward.js';
import { linear } from './linear.js';
import { log } from './log.js';
import { log_softmax } from './log_softmax.js';
import { matmul } from './matmul.js';
import { max_pool2d } from './max_pool2d.js';
import { max_pool2d_backward } from './max_pool2d_backward.js';
import { max_pool2d_gather } from './max_pool2d_gather.js';
import { mean } from './mean.js';
import { mse_loss } from './mse_loss.js';
import { mul } from './mul.js';
import { narrow } from './narrow.js';
import { permute } from './permute.js';
import { pow } from './pow.js';
import { reflection_pad2d } from './reflection_pad2d.js';
import { reflection_pad2d_backward } from './reflection_pad2d_backward.js';
import { relu } from './relu.js';
import { reshape } from './reshape.js';
import { sigmoid } from './sigmoid.js';
import { softmax } from './softmax.js';
import { sqrt } from './sqrt.js';
import { sub } from './sub.js';
import { sum } from './sum.js';
import { tanh } from './tanh.js';
import { upsample_nearest2d } from './upsample_nearest2d.js';
import { upsample_nearest2d_backward } from './upsample_nearest2d_backward.js';

export const ops = {
  abs,
  add,
  avg_pool2d,
  avg_pool2d_backward,
  cat,
  batch_norm,
  binary_cross_entropy_with_logits,
  constant_pad2d,
  conv2d,
  conv2d_weight,
  conv_transpose2d,
  cross_entropy,
  div,
  exp,
  expand,
  gram,
  instance_norm,
  leaky_relu,
  leaky_relu_backward,
  linear,
  log,
  log_softmax,
  matmul,
  max_pool2d,
  max_pool2d_backward,
  max_pool2d_gather,
  mean,
  mse_loss,
  mul,
  narrow,
  permute,
  pow,
  reflection_pad2d,
  reflection_pad2d_backward,
  relu,
  reshape,
  sigmoid,
  softmax,
  sqrt,
  sub,
  sum,
  tanh,
  upsample_nearest2d,
  upsample_nearest2d_backward,
} satisfies Record<string, AnyOp>;

export type OpName = keyof typeof ops;

/** The functional API (torch.nn.functional's role): F.conv2d(x, weight, bias, { stride: 2 }). */
export const F = ops;

bindOps(ops);
