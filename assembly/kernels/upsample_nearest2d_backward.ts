// upsample_nearest2d_backward   (twin: src/kernels/upsample_nearest2d_backward.ts; test: test/kernels/upsample_nearest2d_backward.prop.test.ts)
// out[p, y, x] = the f32 sum of dy's sh×sw block at (y·sh, x·sw), rows then columns in order, as the twin.
// dy and out are byte offsets.

export function upsample_nearest2d_backward(dy: usize, planes: i32, h: i32, w: i32, sh: i32, sw: i32, out: usize): void {
  assert(planes >= 0 && h >= 0 && w >= 0 && sh >= 1 && sw >= 1, 'upsample_nearest2d_backward: bad sizes');
  const rowBytes = <usize>(w * sw) << 2;
  let o = out;
  for (let r = 0; r < planes * h; r++) {
    const top = dy + <usize>r * <usize>sh * rowBytes;
    for (let c = 0; c < w; c++, o += 4) {
      let s: f32 = 0;
      for (let a = 0; a < sh; a++) {
        const row = top + <usize>a * rowBytes + (<usize>(c * sw) << 2);
        for (let b = 0; b < sw; b++) s += load<f32>(row + (<usize>b << 2));
      }
      store<f32>(o, s);
    }
  }
}
