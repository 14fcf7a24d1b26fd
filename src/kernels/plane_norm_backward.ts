// plane_norm_backward   (twin: assembly/kernels/plane_norm_backward.ts; test: test/kernels/plane_norm_backward.prop.test.ts)
// The backward of plane_norm (batch norm's without a graph to record; instance norm's through it):
// dy, xhat [n, c, s]; for channel p over its n planes of s values (M = n·s), in float64,
//   sdy[p] = Σ dy        sdyx[p] = Σ dy·x̂        (per plane four partial sums, as runSum; planes added in order)
//   dx = (dy − sdy/M − x̂·sdyx/M)·(γ[p]·istd[p])   (training: the statistics depend on x)
//   dx = (dy − 0 − x̂·0)·(γ[p]·istd[p])            (eval)
// each dx element rounded once to float32; γ = 1 where weight is null; dx null: the sums only. sdy
// and sdyx are written rounded to float32 (∂β and ∂γ). The WASM twin computes in float64 lanes and
// rounds where this does: bit-identical.
import { runSum } from './plane_norm.js';

/** Σ a[j]·b[j] over j ∈ [start, start + len) in float64 with runSum's four partial sums (a float32 product is exact in float64). */
function runDot(a: Float32Array, b: Float32Array, start: number, len: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, j = start;
  const end = start + len, end4 = start + (len & ~3);
  for (; j < end4; j += 4) {
    s0 += a[j] * b[j]; s1 += a[j + 1] * b[j + 1]; s2 += a[j + 2] * b[j + 2]; s3 += a[j + 3] * b[j + 3];
  }
  for (; j < end; j++) s0 += a[j] * b[j];
  return (s0 + s1) + (s2 + s3);
}

export function plane_norm_backward(
  dy: Float32Array, xhat: Float32Array, n: number, c: number, s: number, weight: Float32Array | null, istd: Float32Array,
  training: boolean, dx: Float32Array | null, sdy: Float32Array, sdyx: Float32Array,
): void {
  const m = n * s, cs = c * s;
  for (let p = 0; p < c; p++) {
    let a = 0, b = 0;
    for (let i = 0; i < n; i++) {
      a += runSum(dy, i * cs + p * s, s, 0, false);
      b += runDot(dy, xhat, i * cs + p * s, s);
    }
    sdy[p] = a;
    sdyx[p] = b;
    if (dx === null) continue;
    const k = (weight === null ? 1 : weight[p]) * istd[p], mdy = training ? a / m : 0, mdyx = training ? b / m : 0;
    for (let i = 0; i < n; i++) {
      for (let j = i * cs + p * s, e = j + s; j < e; j++) dx[j] = (dy[j] - mdy - xhat[j] * mdyx) * k;
    }
  }
}
