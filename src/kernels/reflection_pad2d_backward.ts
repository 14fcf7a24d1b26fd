// reflection_pad2d_backward   (twin: assembly/kernels/reflection_pad2d_backward.ts; test: test/kernels/reflection_pad2d_backward.prop.test.ts)
// The adjoint of reflection_pad2d: out [planes, h, w] = 0, then for each plane, dy row i in order and
// within it j in order, out[p, reflect(i − t, h), reflect(j − l, w)] += dy[p, i, j] (float32 adds: an
// element gets its up to four terms in that order). out is overwritten; the twin gives the same bits.
import { reflect } from './reflection_pad2d.js';

export function reflection_pad2d_backward(dy: Float32Array, planes: number, h: number, w: number, l: number, r: number, t: number, b: number, out: Float32Array): void {
  const ho = h + t + b, wo = w + l + r;
  out.fill(0, 0, planes * h * w);
  let o = 0;
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < ho; i++) {
      const row = (p * h + reflect(i - t, h)) * w;
      for (let j = 0; j < wo; j++) out[row + reflect(j - l, w)] += dy[o++];
    }
  }
}
