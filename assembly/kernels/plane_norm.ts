// plane_norm   (twin: src/kernels/plane_norm.ts; test: test/kernels/plane_norm.prop.test.ts)
// x [n, c, s], per channel p over its n planes of s values: μ, σ² (biased) by two float64 passes
// (four partial sums per plane, so the adds overlap), istd = 1/√(σ² + eps), then in f32x4 lanes
// xhat = (x − μ)·istd and out = xhat·γ[p] + β[p], with relu max(out, 0) (f32x4.max: NaN stays NaN,
// −0 becomes +0, as Math.max). Arrays are byte offsets; weight, bias, xhat, variance may be 0 (γ = 1,
// β = 0, not written); out may be x.

/** Σ x (squared = false) or Σ (x − mu)² over s values at x. */
function planeSum(x: usize, s: i32, mu: f64, squared: bool): f64 {
  let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0, j = 0;
  for (; j + 4 <= s; j += 4) {
    const p = x + (<usize>j << 2);
    let v0 = <f64>load<f32>(p), v1 = <f64>load<f32>(p, 4), v2 = <f64>load<f32>(p, 8), v3 = <f64>load<f32>(p, 12);
    if (squared) {
      v0 -= mu; v1 -= mu; v2 -= mu; v3 -= mu;
      v0 *= v0; v1 *= v1; v2 *= v2; v3 *= v3;
    }
    s0 += v0; s1 += v1; s2 += v2; s3 += v3;
  }
  for (; j < s; j++) {
    let v = <f64>load<f32>(x + (<usize>j << 2));
    if (squared) { v -= mu; v *= v; }
    s0 += v;
  }
  return (s0 + s1) + (s2 + s3);
}

export function plane_norm(
  x: usize, n: i32, c: i32, s: i32, weight: usize, bias: usize, eps: f64, relu: bool,
  out: usize, xhat: usize, mean: usize, istd: usize, variance: usize,
): void {
  assert(n >= 0 && c >= 0 && s >= 0, 'plane_norm: negative size');
  const m = <f64>n * <f64>s, image = <usize>c * (<usize>s << 2);
  for (let p = 0; p < c; p++) {
    const chan = <usize>p * (<usize>s << 2);
    let acc: f64 = 0, sq: f64 = 0;
    for (let i = 0; i < n; i++) acc += planeSum(x + <usize>i * image + chan, s, 0, false);
    const mu = acc / m;
    for (let i = 0; i < n; i++) sq += planeSum(x + <usize>i * image + chan, s, mu, true);
    const is = 1 / Math.sqrt(sq / m + eps);
    store<f32>(mean + (<usize>p << 2), <f32>mu);
    store<f32>(istd + (<usize>p << 2), <f32>is);
    if (variance != 0) store<f32>(variance + (<usize>p << 2), <f32>(sq / m));
    const g: f32 = weight == 0 ? 1 : load<f32>(weight + (<usize>p << 2)), b: f32 = bias == 0 ? 0 : load<f32>(bias + (<usize>p << 2));
    for (let i = 0; i < n; i++) normalizePlane(x, out, xhat, <usize>i * image + chan, s, <f32>mu, <f32>is, g, b, relu);
  }
}

/** The final pass over one plane at byte offset off of x, out and xhat (xhat 0: not written). */
// @ts-ignore: decorator
@inline function normalizePlane(x: usize, out: usize, xhat: usize, off: usize, s: i32, mu32: f32, is32: f32, g: f32, b: f32, relu: bool): void {
  const xp = x + off, op = out + off;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const vmu = f32x4.splat(mu32), vis = f32x4.splat(is32), vg = f32x4.splat(g), vb = f32x4.splat(b), vzero = f32x4.splat(0);
    for (; j + 4 <= s; j += 4) {
      const q = <usize>j << 2;
      const vh = f32x4.mul(f32x4.sub(v128.load(xp + q), vmu), vis);
      if (xhat != 0) v128.store(xhat + off + q, vh);
      const vy = f32x4.add(f32x4.mul(vh, vg), vb);
      v128.store(op + q, relu ? f32x4.max(vy, vzero) : vy);
    }
  }
  for (; j < s; j++) {
    const q = <usize>j << 2;
    const h = (load<f32>(xp + q) - mu32) * is32;
    if (xhat != 0) store<f32>(xhat + off + q, h);
    const y = h * g + b;
    store<f32>(op + q, relu ? max(y, <f32>0) : y);
  }
}
