// spectral_norm_grad   (twin: assembly/kernels/spectral_norm_grad.ts; test: test/kernels/spectral_norm_grad.prop.test.ts)
// The gradient through spectral normalisation's out = W/σ, σ = uᵀ W v (u, v constants), for a weight
// laid out [before, h, after] whose [h, w] matrix view has row r, column q·after + k at
// f = (q·h + r)·after + k (src/kernels/power_iteration.ts):
//   ∂W = (dy − c·u vᵀ)/σ,   c = ⟨dy, out⟩
//   g[f] = (dy[f] − (c·u[r])·v[q·after + k]) · inv,   inv = 1/σ
// Everything in float64, g rounded to float32 once. c sums in a fixed order both twins share: four
// partial sums, lane j over the i ≡ j (mod 4) in increasing i, then (s0 + s1) + (s2 + s3) — so the
// WASM twin's f64x2 lanes are bit-identical to this loop.

/** ⟨a, b⟩ over n elements in float64, in the four-lane order above. */
export function dotLanes4(a: Float32Array, b: Float32Array, n: number): number {
  const s = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) s[i & 3] += a[i] * b[i];
  return (s[0] + s[1]) + (s[2] + s[3]);
}

export function spectral_norm_grad(
  dy: Float32Array, out: Float32Array, u: Float32Array, v: Float32Array, before: number, h: number, after: number, inv: number, g: Float32Array,
): void {
  const c = dotLanes4(dy, out, before * h * after);
  for (let q = 0, f = 0; q < before; q++) {
    const c0 = q * after;
    for (let r = 0; r < h; r++) {
      const cu = c * u[r];
      for (let k = 0; k < after; k++, f++) g[f] = (dy[f] - cu * v[c0 + k]) * inv;
    }
  }
}
