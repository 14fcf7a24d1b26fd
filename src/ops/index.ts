// THE op table: every op of the library, one line each. Tests, the oracle runner, gradient checks
// and the functional API F are all derived from this list; registry.test.ts keeps it complete.
import type { AnyOp } from './op.js';
import { abs } from './abs.js';
import { add } from './add.js';
import { div } from './div.js';
import { exp } from './exp.js';
import { expand } from './expand.js';
import { leaky_relu } from './leaky_relu.js';
import { linear } from './linear.js';
import { log } from './log.js';
import { matmul } from './matmul.js';
import { mean } from './mean.js';
import { mul } from './mul.js';
import { permute } from './permute.js';
import { pow } from './pow.js';
import { relu } from './relu.js';
import { reshape } from './reshape.js';
import { sigmoid } from './sigmoid.js';
import { sqrt } from './sqrt.js';
import { sub } from './sub.js';
import { sum } from './sum.js';
import { tanh } from './tanh.js';

export const ops = {
  abs,
  add,
  div,
  exp,
  expand,
  leaky_relu,
  linear,
  log,
  matmul,
  mean,
  mul,
  permute,
  pow,
  relu,
  reshape,
  sigmoid,
  sqrt,
  sub,
  sum,
  tanh,
} satisfies Record<string, AnyOp>;

export type OpName = keyof typeof ops;

/** The functional API (torch.nn.functional's role): F.conv2d(x, weight, bias, { stride: 2 }). */
export const F = ops;
