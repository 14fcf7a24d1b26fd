// conv2d_weight (internal primitive, not in the oracle): ∂L/∂weight of y = conv2d(x, weight).
//   x [N, Cin, H, W], dy [N, Cout, Ho, Wo] (Ho, Wo = conv2d's output size for x) → [Cout, Cin/G, kh, kw]
//   out[g·Og + o, c, u, v] = Σ_{n,i,j} dy[n, g·Og + o, i, j] · xpad[n, g·Cg + c, i·sh + u·dh, j·sw + v·dw]
// computed as Σ_n Σ_bands dy_g · im2col(x)ᵀ (gemm transB + accumulate, no transposed copies).
// It is bilinear: for upstream G [Cout, Cin/G, kh, kw], ⟨out, G⟩ = ⟨conv2d(x, G), dy⟩, so
// ∂x = conv_transpose2d(dy, G) (landing on x's H×W) and ∂dy = conv2d(x, G).
import { Tensor } from '../tensor.js';
import { fmt, ShapeError } from '../shape.js';
import { defineOp, type OpFn } from './op.js';
import { adjointPadding, convOut, convParams, convWeight, intPair, type ConvAttrs, type ConvGeom, type Pair } from './_conv.js';
import { conv2d } from './conv2d.js';
import { conv_transpose2d } from './conv_transpose2d.js';

export interface Conv2dWeightAttrs extends ConvAttrs {
  kernel_size: Pair | null;
}

function geom(xs: readonly number[], ds: readonly number[], a: Conv2dWeightAttrs): ConvGeom {
  const op = 'conv2d_weight';
  const p = convParams(op, a);
  const [kh, kw] = intPair(op, 'kernel_size', a.kernel_size, 1);
  const both = `input ${fmt(xs)} and output gradient ${fmt(ds)}`;
  if (xs.length !== 4 || ds.length !== 4) throw new ShapeError(`${op}: expected 4-D ${both}`);
  const [n, cin, h, w] = xs, [nd, cout, ho, wo] = ds;
  if (n !== nd) throw new ShapeError(`${op}: batch sizes of ${both} differ`);
  if (cin % p.groups !== 0 || cout % p.groups !== 0) throw new ShapeError(`${op}: channels of ${both} are not divisible by groups=${p.groups}`);
  const eh = convOut(h, kh, p.sh, p.ph, p.dh), ew = convOut(w, kw, p.sw, p.pw, p.dw);
  if (ho !== eh || wo !== ew || eh <= 0 || ew <= 0) {
    throw new ShapeError(`${op}: ${both} do not match: a ${kh}×${kw} conv of that input gives ${eh}×${ew}, not ${ho}×${wo}`);
  }
  return { n, cin, h, w, cout, ho, wo, kh, kw, ...p };
}

export const conv2d_weight: OpFn<readonly ['x', 'dy'], readonly [], Conv2dWeightAttrs> = defineOp({
  name: 'conv2d_weight',
  inputs: ['x', 'dy'],
  attrs: { stride: 1, padding: 0, dilation: 1, groups: 1, kernel_size: null } as Conv2dWeightAttrs,
  forward: ({ x, dy }, attrs) => {
    const g = geom(x.shape, dy.shape, attrs);
    return new Tensor(convWeight(x.data, dy.data, g), [g.cout, g.cin / g.groups, g.kh, g.kw]);
  },
  backward: (gw, { needs, inputs: { x, dy }, attrs }) => {
    const g = geom(x!.shape, dy!.shape, attrs);
    const { stride, padding, dilation, groups } = attrs;
    const output_padding = [adjointPadding(g.h, g.ho, g.kh, g.sh, g.ph, g.dh), adjointPadding(g.w, g.wo, g.kw, g.sw, g.pw, g.dw)];
    return {
      x: needs.x ? conv_transpose2d(dy!, gw, null, { stride, padding, dilation, groups, output_padding }) : null,
      dy: needs.dy ? conv2d(x!, gw, null, { stride, padding, dilation, groups }) : null,
    };
  },
});
