// leaky_relu   (twin: src/kernels/leaky_relu.ts; test: test/kernels/leaky_relu.prop.test.ts)
// out = x·k (dy = 0: forward) or dy·k + 0 (backward), k = x > 0 ? 1 : slope; f64 products rounded
// once, bit-identical to the twin. x, dy, out are byte offsets; out may equal x or dy.
// SIMD: the slope product of all four lanes in f64x2 halves, then a bitselect on x > 0.

export function leaky_relu(x: usize, dy: usize, n: i32, slope: f64, out: usize): void {
  assert(n >= 0, 'leaky_relu: negative size');
  const src = dy != 0 ? dy : x;
  let i = 0;
  // The backward's + 0 is added in f64 to the slope products (as the twin: a product that rounds to
  // −0 in f32 but is not 0 in f64 stays −0) and in f32 to the passed-through values (exact either way).
  const zero64: f64 = dy != 0 ? 0 : -0; // x + (−0) = x for every x: the forward adds nothing
  if (ASC_FEATURE_SIMD) {
    const vslope = f64x2.splat(slope), vzero = f32x4.splat(0), vzero64 = f64x2.splat(zero64);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const vx = v128.load(x + off), vs = v128.load(src + off);
      const vlo = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(vs), vslope), vzero64);
      const vhi = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(vs, vs, 2, 3, 0, 1)), vslope), vzero64);
      const vneg = v128.shuffle<f32>(f32x4.demote_f64x2_zero(vlo), f32x4.demote_f64x2_zero(vhi), 0, 1, 4, 5);
      const vpos = dy != 0 ? f32x4.add(vs, vzero) : vs; // −0 + 0 = +0
      v128.store(out + off, v128.bitselect(vpos, vneg, f32x4.gt(vx, vzero)));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const v = load<f32>(src + off);
    store<f32>(out + off, load<f32>(x + off) > 0 ? (dy != 0 ? v + 0 : v) : <f32>(<f64>v * slope + zero64));
  }
}
