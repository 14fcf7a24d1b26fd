// conv_transpose2d (torch's F.conv_transpose2d): the adjoint of conv2d in its input, plus bias.
//   x [N, Cin, H, W], weight [Cin, Cout/G, kh, kw], bias [Cout] → [N, Cout, Ho, Wo],
//   Ho = (H − 1)·sh − 2ph + dh·(kh − 1) + oph + 1;
//   out[n, g·Og + o, i·sh + u·dh − ph, j·sw + v·dw − pw] += x[n, g·Cg + c, i, j] · weight[g·Cg + c, o, u, v]
// computed per image and group as col2im(W_gᵀ · x) (banded, see _conv.ts). The weight is conv2d's
// weight for the conv Cout→Cin, so, with roles swapped: ∂x = conv2d(dy, weight),
// ∂weight = conv2d_weight(dy, x) (dy is that conv's input, x its output gradient), ∂bias = Σ dy.
import { Tensor } from '../tensor.js';
import { fmt, ShapeError } from '../shape.js';
import { defineOp, type OpFn } from './op.js';
import { addBias, convParams, convTranspose, intPair, type ConvAttrs, type ConvGeom, type Pair } from './_conv.js';
import { conv2d } from './conv2d.js';
import { conv2d_weight } from './conv2d_weight.js';
import { sum } from './sum.js';

export interface ConvTranspose2dAttrs extends ConvAttrs {
  output_padding: Pair;
}

function geom(xs: readonly number[], ws: readonly number[], a: ConvTranspose2dAttrs): ConvGeom & { oph: number; opw: number } {
  const op = 'conv_transpose2d';
  const p = convParams(op, a);
  const [oph, opw] = intPair(op, 'output_padding', a.output_padding, 0);
  if (oph >= Math.max(p.sh, p.dh) || opw >= Math.max(p.sw, p.dw)) {
    throw new RangeError(`${op}: output_padding ${JSON.stringify(a.output_padding)} must be smaller than stride or dilation (stride ${p.sh},${p.sw}, dilation ${p.dh},${p.dw})`);
  }
  const both = `input ${fmt(xs)} and weight ${fmt(ws)}`;
  if (xs.length !== 4 || ws.length !== 4) throw new ShapeError(`${op}: expected 4-D input [N, C, H, W] and weight [Cin, Cout/groups, kh, kw], got ${both}`);
  const [n, cin, h, w] = xs, [wc, og, kh, kw] = ws;
  if (cin !== wc) throw new ShapeError(`${op}: input ${fmt(xs)} has ${cin} channels but weight ${fmt(ws)} expects ${wc} (groups=${p.groups})`);
  if (cin % p.groups !== 0) throw new ShapeError(`${op}: input ${fmt(xs)} has ${cin} channels, not divisible by groups=${p.groups}`);
  const ho = (h - 1) * p.sh - 2 * p.ph + p.dh * (kh - 1) + oph + 1;
  const wo = (w - 1) * p.sw - 2 * p.pw + p.dw * (kw - 1) + opw + 1;
  if (ho <= 0 || wo <= 0 || kh === 0 || kw === 0 || h === 0 || w === 0) {
    throw new ShapeError(`${op}: ${both} give an empty output ${ho}×${wo} (padding ${p.ph},${p.pw} too large)`);
  }
  // In conv2d's terms: image side = this op's output, output side = this op's input.
  return { n, cin: og * p.groups, h: ho, w: wo, cout: cin, ho: h, wo: w, kh, kw, ...p, oph, opw };
}

export const conv_transpose2d: OpFn<readonly ['x', 'weight'], readonly ['bias'], ConvTranspose2dAttrs> = defineOp({
  name: 'conv_transpose2d',
  inputs: ['x', 'weight'],
  optional: ['bias'],
  attrs: { stride: 1, padding: 0, output_padding: 0, groups: 1, dilation: 1 } as ConvTranspose2dAttrs,
  forward: ({ x, weight, bias }, attrs) => {
    const g = geom(x.shape, weight.shape, attrs);
    if (bias !== undefined && (bias.ndim !== 1 || bias.shape[0] !== g.cin)) {
      throw new ShapeError(`conv_transpose2d: bias ${fmt(bias.shape)} does not match weight ${fmt(weight.shape)} (expected [${g.cin}])`);
    }
    const y = convTranspose(x.data, weight.data, g);
    if (bias !== undefined) addBias(y, bias.data, g.n, g.cin, g.h * g.w);
    return new Tensor(y, [g.n, g.cin, g.h, g.w]);
  },
  backward: (dy, { needs, inputs: { x, weight, bias }, attrs }) => {
    const g = geom(x!.shape, weight!.shape, attrs);
    if (g.oph >= g.sh || g.opw >= g.sw) {
      // conv2d(dy) would then have an extra output row/column: it needs a crop op the table lacks.
      throw new Error(`conv_transpose2d backward: output_padding ${JSON.stringify(attrs.output_padding)} ≥ stride ${JSON.stringify(attrs.stride)} (allowed by dilation) is not supported`);
    }
    const { stride, padding, dilation, groups } = attrs;
    return {
      x: needs.x ? conv2d(dy, weight!, null, { stride, padding, dilation, groups }) : null,
      weight: needs.weight ? conv2d_weight(dy, x!, { stride, padding, dilation, groups, kernel_size: [g.kh, g.kw] }) : null,
      bias: needs.bias ? sum(dy, { dim: [0, 2, 3] }) : null,
    };
  },
});
