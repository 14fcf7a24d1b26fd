// Helpers for layers over images (not a layer): accept [N, C, H, W] or unbatched [C, H, W] as torch.
import type { Tensor } from '../tensor.js';
import { fmt, ShapeError } from '../shape.js';
import type { Module } from './module.js';

/** Runs f on x as [N, C, H, W] (a 3-D input gets a batch axis of 1, removed again after). */
export function on4d(layer: Module, x: Tensor, f: (x4: Tensor) => Tensor): Tensor {
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`${layer.describe()}: expected input [N, C, H, W] or [C, H, W], got ${fmt(x.shape)}`);
  if (x.ndim === 4) return f(x);
  const y = f(x.reshape(1, ...x.shape));
  return y.reshape(y.shape.slice(1));
}
