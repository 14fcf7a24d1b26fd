// conv2d (cross-correlation, torch's F.conv2d).   x [N, Cin, H, W], weight [Cout, Cin/G, kh, kw],
// bias [Cout] → [N, Cout, Ho, Wo], Ho = floor((H + 2ph − dh·(kh−1) − 1)/sh) + 1:
//   out[n,o,i,j] = bias[o] + Σ_{c,u,v} weight[o,c,u,v] · xpad[n, g·Cg + c, i·sh + u·dh, j·sw + v·dw]
// computed per image and group as W_g · im2col(x) (banded over output rows, see _conv.ts).
// Grads (conv is bilinear): ∂x = conv_transpose2d(dy, weight) with the output_padding that lands on
// x's H×W, ∂weight = conv2d_weight(x, dy), ∂bias = Σ dy over [N, Ho, Wo]. All ops: differentiable again.
import { Tensor } from '../tensor.js';
import { fmt, ShapeError } from '../shape.js';
import { defineOp, type OpFn } from './op.js';
import { adjointPadding, convForward, convOut, convParams, type ConvAttrs, type ConvGeom } from './_conv.js';
import { conv_transpose2d } from './conv_transpose2d.js';
import { conv2d_weight } from './conv2d_weight.js';
import { sum } from './sum.js';

export type Conv2dAttrs = ConvAttrs;

/** Validated geometry of conv2d(x, weight); errors name the op and both shapes. */
export function conv2dGeom(op: string, xs: readonly number[], ws: readonly number[], a: ConvAttrs): ConvGeom {
  const p = convParams(op, a);
  const both = `input ${fmt(xs)} and weight ${fmt(ws)}`;
  if (xs.length !== 4 || ws.length !== 4) throw new ShapeError(`${op}: expected 4-D input [N, C, H, W] and weight [Cout, Cin/groups, kh, kw], got ${both}`);
  const [n, cin, h, w] = xs, [cout, cg, kh, kw] = ws;
  if (cin !== cg * p.groups) {
    throw new ShapeError(`${op}: input ${fmt(xs)} has ${cin} channels but weight ${fmt(ws)} expects ${cg * p.groups} (groups=${p.groups})`);
  }
  if (cout % p.groups !== 0) throw new ShapeError(`${op}: weight ${fmt(ws)} has ${cout} output channels, not divisible by groups=${p.groups}`);
  const ho = convOut(h, kh, p.sh, p.ph, p.dh), wo = convOut(w, kw, p.sw, p.pw, p.dw);
  if (ho <= 0 || wo <= 0 || kh === 0 || kw === 0) {
    throw new ShapeError(`${op}: ${both} give an empty output ${ho}×${wo} (padding ${p.ph},${p.pw}, dilation ${p.dh},${p.dw}): the dilated kernel is larger than the padded input`);
  }
  return { n, cin, h, w, cout, ho, wo, kh, kw, ...p };
}

export const conv2d: OpFn<readonly ['x', 'weight'], readonly ['bias'], Conv2dAttrs> = defineOp({
  name: 'conv2d',
  inputs: ['x', 'weight'],
  optional: ['bias'],
  attrs: { stride: 1, padding: 0, dilation: 1, groups: 1 } as Conv2dAttrs,
  forward: ({ x, weight, bias }, attrs) => {
    const g = conv2dGeom('conv2d', x.shape, weight.shape, attrs);
    if (bias !== undefined && (bias.ndim !== 1 || bias.shape[0] !== g.cout)) {
      throw new ShapeError(`conv2d: bias ${fmt(bias.shape)} does not match weight ${fmt(weight.shape)} (expected [${g.cout}])`);
    }
    const y = convForward(x.data, weight.data, g, bias?.data ?? null);
    return new Tensor(y, [g.n, g.cout, g.ho, g.wo]);
  },
  backward: (dy, { needs, inputs: { x, weight, bias }, attrs }) => {
    const g = conv2dGeom('conv2d', x!.shape, weight!.shape, attrs);
    const { stride, padding, dilation, groups } = attrs;
    const output_padding = [adjointPadding(g.h, g.ho, g.kh, g.sh, g.ph, g.dh), adjointPadding(g.w, g.wo, g.kw, g.sw, g.pw, g.dw)];
    return {
      x: needs.x ? conv_transpose2d(dy, weight!, null, { stride, padding, dilation, groups, output_padding }) : null,
      weight: needs.weight ? conv2d_weight(x!, dy, { stride, padding, dilation, groups, kernel_size: [g.kh, g.kw] }) : null,
      bias: needs.bias ? sum(dy, { dim: [0, 2, 3] }) : null,
    };
  },
});
