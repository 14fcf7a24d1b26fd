// plane_norm_backward   (twin: src/kernels/plane_norm_backward.ts; test: test/kernels/plane_norm_backward.prop.test.ts)
// dy, xhat [n, c, s]; per channel p: sdy = Σ dy and sdyx = Σ dy·x̂ in float64 (per plane four partial
// sums s0…s3 by j mod 4, the tail into s0, then (s0 + s1) + (s2 + s3): the twin's order, the SIMD
// build keeping s0, s1 and s2, s3 in two f64x2), then dx = (dy − sdy/M − x̂·sdyx/M)·(γ·istd) in f64x2
// lanes rounded once to f32 (eval: training = 0, the means 0). Arrays are byte offsets; weight and dx
// may be 0 (γ = 1; the sums only).

export function plane_norm_backward(
  dy: usize, xhat: usize, n: i32, c: i32, s: i32, weight: usize, istd: usize, training: bool, dx: usize, sdy: usize, sdyx: usize,
): void {
  assert(n >= 0 && c >= 0 && s >= 0, 'plane_norm_backward: negative size');
  const m = <f64>n * <f64>s, image = <usize>c * (<usize>s << 2);
  for (let p = 0; p < c; p++) {
    const chan = <usize>p * (<usize>s << 2);
    let a: f64 = 0, b: f64 = 0;
    for (let i = 0; i < n; i++) {
      const off = <usize>i * image + chan;
      a += planeSums(dy + off, xhat + off, s);
      b += planeDot;
    }
    store<f32>(sdy + (<usize>p << 2), <f32>a);
    store<f32>(sdyx + (<usize>p << 2), <f32>b);
    if (dx == 0) continue;
    const g: f64 = weight == 0 ? 1 : <f64>load<f32>(weight + (<usize>p << 2));
    const k = g * <f64>load<f32>(istd + (<usize>p << 2)), mdy = training ? a / m : 0, mdyx = training ? b / m : 0;
    for (let i = 0; i < n; i++) gradPlane(dy, xhat, dx, <usize>i * image + chan, s, mdy, mdyx, k);
  }
}

/** Σ dy·x̂ of the last planeSums call (a second result: one pass over the plane reads dy once). */
let planeDot: f64 = 0;

/** Σ dy over the s values of one plane, and Σ dy·x̂ into planeDot, each in the twin's order. */
function planeSums(dy: usize, xhat: usize, s: i32): f64 {
  let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0, d0: f64 = 0, d1: f64 = 0, d2: f64 = 0, d3: f64 = 0, j = 0;
  if (ASC_FEATURE_SIMD) {
    let v01 = f64x2.splat(0), v23 = v01, w01 = v01, w23 = v01;
    for (; j + 4 <= s; j += 4) {
      const q = <usize>j << 2, vd = v128.load(dy + q), vh = v128.load(xhat + q);
      const lo = f64x2.promote_low_f32x4(vd), hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(vd, vd, 2, 3, 0, 1));
      v01 = f64x2.add(v01, lo);
      v23 = f64x2.add(v23, hi);
      w01 = f64x2.add(w01, f64x2.mul(lo, f64x2.promote_low_f32x4(vh)));
      w23 = f64x2.add(w23, f64x2.mul(hi, f64x2.promote_low_f32x4(v128.shuffle<f32>(vh, vh, 2, 3, 0, 1))));
    }
    s0 = f64x2.extract_lane(v01, 0); s1 = f64x2.extract_lane(v01, 1); s2 = f64x2.extract_lane(v23, 0); s3 = f64x2.extract_lane(v23, 1);
    d0 = f64x2.extract_lane(w01, 0); d1 = f64x2.extract_lane(w01, 1); d2 = f64x2.extract_lane(w23, 0); d3 = f64x2.extract_lane(w23, 1);
  } else {
    for (; j + 4 <= s; j += 4) {
      const q = <usize>j << 2;
      const v0 = <f64>load<f32>(dy + q), v1 = <f64>load<f32>(dy + q, 4), v2 = <f64>load<f32>(dy + q, 8), v3 = <f64>load<f32>(dy + q, 12);
      s0 += v0; s1 += v1; s2 += v2; s3 += v3;
      d0 += v0 * <f64>load<f32>(xhat + q); d1 += v1 * <f64>load<f32>(xhat + q, 4);
      d2 += v2 * <f64>load<f32>(xhat + q, 8); d3 += v3 * <f64>load<f32>(xhat + q, 12);
    }
  }
  for (; j < s; j++) {
    const q = <usize>j << 2, v = <f64>load<f32>(dy + q);
    s0 += v;
    d0 += v * <f64>load<f32>(xhat + q);
  }
  planeDot = (d0 + d1) + (d2 + d3);
  return (s0 + s1) + (s2 + s3);
}

/** dx = (dy − mdy − x̂·mdyx)·k over one plane at byte offset off, in float64, rounded once. */
// @ts-ignore: decorator
@inline function gradPlane(dy: usize, xhat: usize, dx: usize, off: usize, s: i32, mdy: f64, mdyx: f64, k: f64): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const vmdy = f64x2.splat(mdy), vmdyx = f64x2.splat(mdyx), vk = f64x2.splat(k);
    for (; j + 4 <= s; j += 4) {
      const q = off + (<usize>j << 2), vd = v128.load(dy + q), vh = v128.load(xhat + q);
      const dlo = f64x2.promote_low_f32x4(vd), dhi = f64x2.promote_low_f32x4(v128.shuffle<f32>(vd, vd, 2, 3, 0, 1));
      const hlo = f64x2.promote_low_f32x4(vh), hhi = f64x2.promote_low_f32x4(v128.shuffle<f32>(vh, vh, 2, 3, 0, 1));
      const rlo = f64x2.mul(f64x2.sub(f64x2.sub(dlo, vmdy), f64x2.mul(hlo, vmdyx)), vk);
      const rhi = f64x2.mul(f64x2.sub(f64x2.sub(dhi, vmdy), f64x2.mul(hhi, vmdyx)), vk);
      v128.store(dx + q, v128.shuffle<f32>(f32x4.demote_f64x2_zero(rlo), f32x4.demote_f64x2_zero(rhi), 0, 1, 4, 5));
    }
  }
  for (; j < s; j++) {
    const q = off + (<usize>j << 2);
    store<f32>(dx + q, <f32>((<f64>load<f32>(dy + q) - mdy - <f64>load<f32>(xhat + q) * mdyx) * k));
  }
}
