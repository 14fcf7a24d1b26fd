// reflection_pad2d   (twin: src/kernels/reflection_pad2d.ts; test: test/kernels/reflection_pad2d.prop.test.ts)
// out [planes, h + t + b, w + l + r] from x [planes, h, w], reflecting rows and columns at the edges
// (not repeating them); each output row is its source row copied whole, then its l + r edge values.
// x and out are byte offsets.

/** reflect(k, n) for k ∈ [−(n − 1), 2n − 1): −k below 0, 2(n − 1) − k from n on. */
// @ts-ignore: decorator
@inline export function reflect(k: i32, n: i32): i32 {
  return k < 0 ? -k : k >= n ? 2 * (n - 1) - k : k;
}

export function reflection_pad2d(x: usize, planes: i32, h: i32, w: i32, l: i32, r: i32, t: i32, b: i32, out: usize): void {
  assert(planes >= 0 && h >= 1 && w >= 1 && l >= 0 && r >= 0 && t >= 0 && b >= 0 && l < w && r < w && t < h && b < h, 'reflection_pad2d: bad sizes');
  const ho = h + t + b, wo = w + l + r, rowBytes = <usize>w << 2;
  let o = out;
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < ho; i++, o += <usize>wo << 2) {
      const src = x + <usize>(p * h + reflect(i - t, h)) * rowBytes;
      memory.copy(o + (<usize>l << 2), src, rowBytes);
      for (let j = 0; j < l; j++) store<f32>(o + (<usize>j << 2), load<f32>(src + (<usize>(l - j) << 2)));
      const right = o + (<usize>(l + w) << 2);
      for (let j = 0; j < r; j++) store<f32>(right + (<usize>j << 2), load<f32>(src + (<usize>(w - 2 - j) << 2)));
    }
  }
}
