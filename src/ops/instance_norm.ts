// instance_norm (composite): x [N, C, *] (rank ≥ 3), weight/bias [C] optional (affine only if given).
// Per (n, c) slice over the S spatial values: out = (x − μ)/√(σ² + eps)·γ[c] + β[c], σ² biased.
// Written as torch does: batch_norm in training mode on x viewed as [1, N·C, S], with γ, β tiled N
// times (expand; its gradient sums the N copies back to [C]). No running statistics.
import { checkFinite, fmt, ShapeError, sizeOf } from '../shape.js';
import { defineOp } from './op.js';
import { batch_norm, checkChannelVectors } from './batch_norm.js';
import { expand } from './expand.js';
import { reshape } from './reshape.js';
import type { Tensor } from '../tensor.js';

export const instance_norm = defineOp({
  name: 'instance_norm',
  inputs: ['x'],
  optional: ['weight', 'bias'],
  attrs: { eps: 1e-5 },
  forward: ({ x, weight, bias }, attrs) => {
    checkFinite('instance_norm', attrs);
    if (!(attrs.eps >= 0)) throw new RangeError(`instance_norm: eps must be ≥ 0, got ${attrs.eps}`);
    if (x.ndim < 3) throw new ShapeError(`instance_norm: input ${fmt(x.shape)} needs rank ≥ 3 ([N, C, H, W])`);
    checkChannelVectors('instance_norm', x, { weight, bias });
    const [n, c] = x.shape, s = sizeOf(x.shape.slice(2));
    if (s <= 1) throw new RangeError(`instance_norm: expected more than 1 spatial element per channel, got input ${fmt(x.shape)}`);
    const tile = (v: Tensor | undefined) => (v === undefined ? undefined : reshape(expand(reshape(v, { shape: [1, c] }), { shape: [n, c] }), { shape: [n * c] }));
    const y = batch_norm.run({ x: reshape(x, { shape: [1, n * c, s] }), weight: tile(weight), bias: tile(bias) }, { training: true, eps: attrs.eps });
    return reshape(y, { shape: [...x.shape] });
  },
});
