// reflection_pad2d_backward   (twin: src/kernels/reflection_pad2d_backward.ts; test: test/kernels/reflection_pad2d_backward.prop.test.ts)
// out [planes, h, w] = 0, then each dy row in order folded onto its reflected row: its left edge
// (columns l − j), its interior (an f32x4 add onto the row), its right edge (2(w − 1) − (w + j)) —
// the twin's column order, so every element gets its terms in the same order. Byte offsets.
import { addF32 } from '../simd';
import { reflect } from './reflection_pad2d';

export function reflection_pad2d_backward(dy: usize, planes: i32, h: i32, w: i32, l: i32, r: i32, t: i32, b: i32, out: usize): void {
  assert(planes >= 0 && h >= 1 && w >= 1 && l >= 0 && r >= 0 && t >= 0 && b >= 0 && l < w && r < w && t < h && b < h, 'reflection_pad2d_backward: bad sizes');
  const ho = h + t + b, wo = w + l + r, rowBytes = <usize>w << 2;
  memory.fill(out, 0, <usize>planes * <usize>h * rowBytes);
  let src = dy;
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < ho; i++, src += <usize>wo << 2) {
      const dst = out + <usize>(p * h + reflect(i - t, h)) * rowBytes;
      for (let j = 0; j < l; j++) {
        const d = dst + (<usize>(l - j) << 2);
        store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>j << 2)));
      }
      addF32(dst, src + (<usize>l << 2), w);
      const right = src + (<usize>(l + w) << 2);
      for (let j = 0; j < r; j++) {
        const d = dst + (<usize>(w - 2 - j) << 2);
        store<f32>(d, load<f32>(d) + load<f32>(right + (<usize>j << 2)));
      }
    }
  }
}
