// plane_norm   (twin: assembly/kernels/plane_norm.ts; test: test/kernels/plane_norm.prop.test.ts)
// Normalises x [n, c, s] per channel by the channel's statistics over its n planes of s values
// (batch norm's training forward; instance norm is n = 1 with one channel per plane): for channel p,
// with μ its mean and σ² its biased variance over the n·s values (two passes, float64 sums),
//   istd[p] = 1/√(σ² + eps)        xhat = (x − μ)·istd        out = xhat·γ[p] + β[p]
// γ = 1, β = 0 where weight / bias are null; relu: out = max(xhat·γ[p] + β[p], 0) (the fused inference
// path of instance norm + ReLU). mean[p], istd[p] and, unless null, variance[p] (σ², biased) are
// written for the caller (running statistics, backward); xhat too unless null (before γ, β and the
// ReLU). out may be x (the last pass reads x[j] before it writes out[j]). The WASM twin does the
// final pass in float32 lanes, so the paths agree to float32 rounding, not bit for bit.

/**
 * Σ x[j] (squared = false) or Σ (x[j] − mu)² (true) over j ∈ [start, start + len), in float64 with
 * four partial sums: one running sum is a chain of dependent adds (4 cycles each); four chains
 * overlap (measured ≈ 1.7× on 256 channels of 128²).
 */
export function runSum(x: Float32Array, start: number, len: number, mu: number, squared: boolean): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, j = start;
  const end = start + len, end4 = start + (len & ~3);
  if (squared) {
    for (; j < end4; j += 4) {
      const d0 = x[j] - mu, d1 = x[j + 1] - mu, d2 = x[j + 2] - mu, d3 = x[j + 3] - mu;
      s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3;
    }
    for (; j < end; j++) { const d = x[j] - mu; s0 += d * d; }
  } else {
    for (; j < end4; j += 4) { s0 += x[j]; s1 += x[j + 1]; s2 += x[j + 2]; s3 += x[j + 3]; }
    for (; j < end; j++) s0 += x[j];
  }
  return (s0 + s1) + (s2 + s3);
}

export function plane_norm(
  x: Float32Array, n: number, c: number, s: number, weight: Float32Array | null, bias: Float32Array | null, eps: number, relu: boolean,
  out: Float32Array, xhat: Float32Array | null, mean: Float32Array, istd: Float32Array, variance: Float32Array | null = null,
): void {
  const m = n * s, cs = c * s;
  for (let p = 0; p < c; p++) {
    let acc = 0, sq = 0;
    for (let i = 0; i < n; i++) acc += runSum(x, i * cs + p * s, s, 0, false);
    const mu = acc / m;
    for (let i = 0; i < n; i++) sq += runSum(x, i * cs + p * s, s, mu, true);
    const is = 1 / Math.sqrt(sq / m + eps), g = weight === null ? 1 : weight[p], b = bias === null ? 0 : bias[p];
    mean[p] = mu;
    istd[p] = is;
    if (variance !== null) variance[p] = sq / m;
    for (let i = 0; i < n; i++) {
      for (let j = i * cs + p * s, e = j + s; j < e; j++) {
        const h = (x[j] - mu) * is;
        if (xhat !== null) xhat[j] = h;
        out[j] = relu ? Math.max(h * g + b, 0) : h * g + b;
      }
    }
  }
}
