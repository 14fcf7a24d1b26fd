// reflection_pad2d   (twin: assembly/kernels/reflection_pad2d.ts; test: test/kernels/reflection_pad2d.prop.test.ts)
// out [planes, h + t + b, w + l + r] from x [planes, h, w]: out[p, i, j] = x[p, reflect(i − t, h), reflect(j − l, w)]
// with reflect(k, n) = −k for k < 0, 2(n − 1) − k for k ≥ n, else k (the edge is not repeated; every
// pad ≤ its axis − 1, checked by the op). Copies only: the twin gives the same bits.

/** reflect(k, n) for k ∈ [−(n − 1), 2n − 1). */
export function reflect(k: number, n: number): number {
  return k < 0 ? -k : k >= n ? 2 * (n - 1) - k : k;
}

export function reflection_pad2d(x: Float32Array, planes: number, h: number, w: number, l: number, r: number, t: number, b: number, out: Float32Array): void {
  const ho = h + t + b, wo = w + l + r;
  let o = 0;
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < ho; i++, o += wo) {
      const row = (p * h + reflect(i - t, h)) * w;
      out.set(x.subarray(row, row + w), o + l); // the interior: the source row
      for (let j = 0; j < l; j++) out[o + j] = x[row + l - j]; //              reflect(j − l) = l − j
      for (let j = 0; j < r; j++) out[o + l + w + j] = x[row + w - 2 - j]; // 2(w − 1) − (w + j)
    }
  }
}
