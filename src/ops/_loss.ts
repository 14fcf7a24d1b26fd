// Shared by the loss ops (not an op): the `reduction` attribute ('none' | 'mean' | 'sum', torch's).
import type { Tensor } from '../tensor.js';
import { mean } from './mean.js';
import { sum } from './sum.js';

export type Reduction = 'none' | 'mean' | 'sum';

export function checkReduction(op: string, reduction: unknown): Reduction {
  if (reduction !== 'none' && reduction !== 'mean' && reduction !== 'sum') {
    throw new TypeError(`${op}: unknown reduction ${JSON.stringify(reduction)} (expected 'none', 'mean' or 'sum')`);
  }
  return reduction;
}

/** Applies the reduction with ops: 'none' keeps l, 'sum'/'mean' give a 0-d tensor. */
export function reduceLoss(op: string, l: Tensor, reduction: Reduction): Tensor {
  if (checkReduction(op, reduction) === 'none') return l;
  return reduction === 'sum' ? sum(l) : mean(l);
}
