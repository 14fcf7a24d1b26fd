// permute: out axis i is x axis dims[i].   ∂x = permute(dy, inverse(dims)).
import { Tensor } from '../tensor.js';
import { fmt, normAxis, ShapeError, stridesOf } from '../shape.js';
import { defineOp, type UnaryOp } from './op.js';

export const permute: UnaryOp<{ dims: number[] }> = defineOp({
  name: 'permute',
  inputs: ['x'],
  attrs: { dims: [] as number[] },
  forward: ({ x }, { dims }) => {
    const rank = x.ndim;
    const p = dims.map((d) => normAxis('permute', d, rank));
    if (p.length !== rank || new Set(p).size !== rank) {
      throw new ShapeError(`permute: dims ${JSON.stringify(dims)} is not a permutation of the ${rank} axes of ${fmt(x.shape)}`);
    }
    const shape = p.map((d) => x.shape[d]);
    const xs = stridesOf(x.shape);
    const st = p.map((d) => xs[d]); // stride in x of each output axis
    const out = new Float32Array(x.size), src = x.data;
    const idx = new Array<number>(rank).fill(0);
    let off = 0;
    for (let i = 0; i < out.length; i++) {
      out[i] = src[off];
      for (let d = rank - 1; d >= 0; d--) {
        idx[d]++;
        off += st[d];
        if (idx[d] < shape[d]) break;
        off -= st[d] * shape[d];
        idx[d] = 0;
      }
    }
    return new Tensor(out, shape);
  },
  backward: (dy, { attrs: { dims } }) => {
    const rank = dims.length;
    const inv = new Array<number>(rank);
    dims.forEach((d, i) => (inv[normAxis('permute', d, rank)] = i));
    return { x: permute(dy, { dims: inv }) };
  },
});
