// power_iteration   (twin: src/kernels/power_iteration.ts; test: test/kernels/power_iteration.prop.test.ts)
// `iters` power-iteration steps on the [h, w] matrix view of a weight laid out [before, h, after]
// (row r, column q·after + k at (q·h + r)·after + k; w = before·after):
//   v ← normalize(Wᵀu),  u ← normalize(W v),   normalize(x) = x / max(‖x‖, eps)
// u [h], v [w] (byte offsets, f32) are updated in place; returns ‖W v‖ of the last step (NaN if
// iters = 0). Each product streams W once, four rows at a time: Wᵀu adds four scaled rows to v per
// pass over v, W v keeps four dot products in f32x4 accumulators. Norms accumulate in f64.

// @ts-ignore: decorator
@inline function sumLanes(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** x[0, n) ← x / max(‖x‖, eps); returns ‖x‖ before. */
function normalize(x: usize, n: i32, eps: f64): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const xi = <f64>load<f32>(x + (<usize>i << 2));
    s += xi * xi;
  }
  const norm = Math.sqrt(s), d = Math.max(norm, eps);
  for (let i = 0; i < n; i++) {
    const p = x + (<usize>i << 2);
    store<f32>(p, <f32>(<f64>load<f32>(p) / d));
  }
  return norm;
}

/** out[k] += Σ_j rows[j][k]·s[j] for k < n, j < 4 (rows `stride` bytes apart; s = four scalars at u). */
function addRows4(w: usize, stride: usize, u: usize, out: usize, n: i32): void {
  const u0 = load<f32>(u), u1 = load<f32>(u, 4), u2 = load<f32>(u, 8), u3 = load<f32>(u, 12);
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    const vu0 = f32x4.splat(u0), vu1 = f32x4.splat(u1), vu2 = f32x4.splat(u2), vu3 = f32x4.splat(u3);
    for (; k + 4 <= n; k += 4) {
      const off = <usize>k << 2, p = w + off;
      let vacc = v128.load(out + off);
      vacc = f32x4.add(vacc, f32x4.mul(v128.load(p), vu0));
      vacc = f32x4.add(vacc, f32x4.mul(v128.load(p + stride), vu1));
      vacc = f32x4.add(vacc, f32x4.mul(v128.load(p + 2 * stride), vu2));
      vacc = f32x4.add(vacc, f32x4.mul(v128.load(p + 3 * stride), vu3));
      v128.store(out + off, vacc);
    }
  }
  for (; k < n; k++) {
    const off = <usize>k << 2, p = w + off;
    store<f32>(out + off, load<f32>(out + off) + load<f32>(p) * u0 + load<f32>(p + stride) * u1 + load<f32>(p + 2 * stride) * u2 + load<f32>(p + 3 * stride) * u3);
  }
}

/** out[k] += row[k]·s for k < n. */
function addRow(w: usize, s: f32, out: usize, n: i32): void {
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    const vs = f32x4.splat(s);
    for (; k + 4 <= n; k += 4) {
      const off = <usize>k << 2;
      v128.store(out + off, f32x4.add(v128.load(out + off), f32x4.mul(v128.load(w + off), vs)));
    }
  }
  for (; k < n; k++) {
    const off = <usize>k << 2;
    store<f32>(out + off, load<f32>(out + off) + load<f32>(w + off) * s);
  }
}

/** out[0..4) += the dot products of four rows (`stride` bytes apart) with x[0, n). */
function dotRows4(w: usize, stride: usize, x: usize, out: usize, n: i32): void {
  let d0: f32 = 0, d1: f32 = 0, d2: f32 = 0, d3: f32 = 0, k = 0;
  if (ASC_FEATURE_SIMD) {
    let vacc0 = f32x4.splat(0), vacc1 = f32x4.splat(0), vacc2 = f32x4.splat(0), vacc3 = f32x4.splat(0);
    for (; k + 4 <= n; k += 4) {
      const off = <usize>k << 2, p = w + off, vx = v128.load(x + off);
      vacc0 = f32x4.add(vacc0, f32x4.mul(v128.load(p), vx));
      vacc1 = f32x4.add(vacc1, f32x4.mul(v128.load(p + stride), vx));
      vacc2 = f32x4.add(vacc2, f32x4.mul(v128.load(p + 2 * stride), vx));
      vacc3 = f32x4.add(vacc3, f32x4.mul(v128.load(p + 3 * stride), vx));
    }
    d0 = sumLanes(vacc0); d1 = sumLanes(vacc1); d2 = sumLanes(vacc2); d3 = sumLanes(vacc3);
  }
  for (; k < n; k++) {
    const off = <usize>k << 2, p = w + off, xk = load<f32>(x + off);
    d0 += load<f32>(p) * xk; d1 += load<f32>(p + stride) * xk; d2 += load<f32>(p + 2 * stride) * xk; d3 += load<f32>(p + 3 * stride) * xk;
  }
  store<f32>(out, load<f32>(out) + d0);
  store<f32>(out, load<f32>(out, 4) + d1, 4);
  store<f32>(out, load<f32>(out, 8) + d2, 8);
  store<f32>(out, load<f32>(out, 12) + d3, 12);
}

/** The dot product of row[0, n) and x[0, n). */
function dotRow(w: usize, x: usize, n: i32): f32 {
  let d: f32 = 0, k = 0;
  if (ASC_FEATURE_SIMD) {
    let vacc = f32x4.splat(0);
    for (; k + 4 <= n; k += 4) {
      const off = <usize>k << 2;
      vacc = f32x4.add(vacc, f32x4.mul(v128.load(w + off), v128.load(x + off)));
    }
    d = sumLanes(vacc);
  }
  for (; k < n; k++) d += load<f32>(w + (<usize>k << 2)) * load<f32>(x + (<usize>k << 2));
  return d;
}

export function power_iteration(weight: usize, before: i32, h: i32, after: i32, u: usize, v: usize, iters: i32, eps: f64): f64 {
  assert(before >= 0 && h >= 0 && after >= 0 && iters >= 0, 'power_iteration: negative size');
  const rowBytes = <usize>after << 2, blockBytes = <usize>h * rowBytes;
  let sigma: f64 = NaN;
  for (let it = 0; it < iters; it++) {
    memory.fill(v, 0, <usize>before * rowBytes);
    for (let q = 0; q < before; q++) {
      const wq = weight + <usize>q * blockBytes, vq = v + <usize>q * rowBytes;
      let r = 0;
      for (; r + 4 <= h; r += 4) addRows4(wq + <usize>r * rowBytes, rowBytes, u + (<usize>r << 2), vq, after);
      for (; r < h; r++) addRow(wq + <usize>r * rowBytes, load<f32>(u + (<usize>r << 2)), vq, after);
    }
    normalize(v, before * after, eps);
    memory.fill(u, 0, <usize>h << 2);
    for (let q = 0; q < before; q++) {
      const wq = weight + <usize>q * blockBytes, vq = v + <usize>q * rowBytes;
      let r = 0;
      for (; r + 4 <= h; r += 4) dotRows4(wq + <usize>r * rowBytes, rowBytes, vq, u + (<usize>r << 2), after);
      for (; r < h; r++) {
        const ur = u + (<usize>r << 2);
        store<f32>(ur, load<f32>(ur) + dotRow(wq + <usize>r * rowBytes, vq, after));
      }
    }
    sigma = normalize(u, h, eps);
  }
  return sigma;
}
