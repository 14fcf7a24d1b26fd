// max_pool2d   (twin: src/kernels/max_pool2d.ts; test: test/kernels/max_pool2d.prop.test.ts)
// The twin's scan, bit for bit (out and the float argmax): x, out, arg are byte offsets, the
// geometry spelled out. SIMD: the plain 2×2 stride-2 pool (VGG's) takes 4 outputs at a time — two
// 8-float loads per input row, split into even and odd columns by shuffles; each candidate, in the
// scan order (top-left, top-right, bottom-left, bottom-right), replaces the best where greater or
// NaN (a compare-or-unordered mask and two bitselects, for the value and its index).

export function max_pool2d(
  x: usize, planes: i32, h: i32, w: i32, ho: i32, wo: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  out: usize, arg: usize,
): void {
  assert(planes >= 0 && h >= 0 && w >= 0 && ho >= 0 && wo >= 0, 'max_pool2d: negative size');
  const plain2x2 = kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && dh == 1 && dw == 1;
  let o: usize = 0;
  for (let p = 0; p < planes; p++) {
    const base = x + (<usize>p * <usize>(h * w) << 2);
    for (let i = 0; i < ho; i++) {
      let j = 0;
      if (ASC_FEATURE_SIMD && plain2x2) {
        const row0 = base + (<usize>(2 * i * w) << 2), row1 = row0 + (<usize>w << 2);
        const vstep = f32x4(0, 2, 4, 6), vw = f32x4.splat(<f32>w), vone = f32x4.splat(1);
        for (; 2 * j + 8 <= w && j + 4 <= wo; j += 4, o += 4) {
          const q = <usize>(2 * j) << 2;
          const a0 = v128.load(row0 + q), a1 = v128.load(row0 + q, 16), b0 = v128.load(row1 + q), b1 = v128.load(row1 + q, 16);
          const vtl = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), vtr = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
          const vbl = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6), vbr = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
          const k0: i32 = 2 * i * w + 2 * j; // the top-left index of output j
          const vk0 = f32x4.add(f32x4.splat(<f32>k0), vstep), vk2 = f32x4.add(vk0, vw);
          let vbest = vtl, vat = vk0;
          let m = v128.or(f32x4.gt(vtr, vbest), f32x4.ne(vtr, vtr));
          vbest = v128.bitselect(vtr, vbest, m); vat = v128.bitselect(f32x4.add(vk0, vone), vat, m);
          m = v128.or(f32x4.gt(vbl, vbest), f32x4.ne(vbl, vbl));
          vbest = v128.bitselect(vbl, vbest, m); vat = v128.bitselect(vk2, vat, m);
          m = v128.or(f32x4.gt(vbr, vbest), f32x4.ne(vbr, vbr));
          vbest = v128.bitselect(vbr, vbest, m); vat = v128.bitselect(f32x4.add(vk2, vone), vat, m);
          v128.store(out + (o << 2), vbest);
          v128.store(arg + (o << 2), vat);
        }
      }
      for (; j < wo; j++, o++) {
        let best: f32 = -Infinity, at: i32 = -1;
        for (let u = 0; u < kh; u++) {
          const iy = i * sh - ph + u * dh;
          if (iy < 0 || iy >= h) continue;
          for (let v = 0; v < kw; v++) {
            const ix = j * sw - pw + v * dw;
            if (ix < 0 || ix >= w) continue;
            const val = load<f32>(base + (<usize>(iy * w + ix) << 2));
            if (at < 0) at = iy * w + ix;
            if (val > best || val != val) {
              best = val;
              at = iy * w + ix;
            }
          }
        }
        store<f32>(out + (o << 2), best);
        store<f32>(arg + (o << 2), <f32>at);
      }
    }
  }
}
