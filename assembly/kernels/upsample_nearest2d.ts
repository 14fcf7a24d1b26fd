// upsample_nearest2d   (twin: src/kernels/upsample_nearest2d.ts; test: test/kernels/upsample_nearest2d.prop.test.ts)
// out[p, i, j] = x[p, ⌊i/sh⌋, ⌊j/sw⌋]: each output row built once (a factor 2 in f32x4 shuffles), then
// copied sh − 1 times. x and out are byte offsets.

export function upsample_nearest2d(x: usize, planes: i32, h: i32, w: i32, sh: i32, sw: i32, out: usize): void {
  assert(planes >= 0 && h >= 0 && w >= 0 && sh >= 1 && sw >= 1, 'upsample_nearest2d: bad sizes');
  const rowBytes = <usize>(w * sw) << 2;
  let src = x, o = out;
  for (let r = 0; r < planes * h; r++, o += <usize>sh * rowBytes) {
    let c = 0;
    if (ASC_FEATURE_SIMD && sw == 2) {
      for (; c + 4 <= w; c += 4, src += 16) {
        const v = v128.load(src), d = o + (<usize>c << 3);
        v128.store(d, v128.shuffle<f32>(v, v, 0, 0, 1, 1));
        v128.store(d, v128.shuffle<f32>(v, v, 2, 2, 3, 3), 16);
      }
    }
    for (; c < w; c++, src += 4) {
      const v = load<f32>(src), d = o + (<usize>(c * sw) << 2);
      for (let q = 0; q < sw; q++) store<f32>(d + (<usize>q << 2), v);
    }
    for (let k = 1; k < sh; k++) memory.copy(o + <usize>k * rowBytes, o, rowBytes);
  }
}
