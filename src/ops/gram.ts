// gram (composite, style transfer): x [N, C, H, W], F_n = x[n] as [C, H·W];
// out[n] = F_n · F_nᵀ / (C·H·W) for normalize 'chw' (no division for 'none') → [N, C, C].
// Gradient through matmul (both operands are F: ∂F = (dG + dGᵀ)·F / (C·H·W)).
import { fmt, ShapeError } from '../shape.js';
import { defineOp } from './op.js';
import { div } from './div.js';
import { matmul } from './matmul.js';
import { reshape } from './reshape.js';

export const gram = defineOp({
  name: 'gram',
  inputs: ['x'],
  attrs: { normalize: 'chw' as 'chw' | 'none' },
  forward: ({ x }, { normalize }) => {
    if (normalize !== 'chw' && normalize !== 'none') {
      throw new TypeError(`gram: unknown normalize ${JSON.stringify(normalize)} (expected 'chw' or 'none')`);
    }
    if (x.ndim !== 4) throw new ShapeError(`gram: input ${fmt(x.shape)} must be [N, C, H, W]`);
    const [n, c, h, w] = x.shape;
    const f = reshape(x, { shape: [n, c, h * w] });
    const g = matmul(f, f, { transpose_b: true });
    return normalize === 'chw' ? div(g, c * h * w) : g;
  },
});
