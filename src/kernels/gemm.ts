// gemm   (twin: assembly/kernels/gemm.ts; test: test/kernels/gemm.prop.test.ts; bench: bench/gemm.bench.ts)
// C[m×n] = (accumulate ? C : 0) + op(A)[m×k] · op(B)[k×n]; row-major; lda/ldb/ldc in elements.
// op(A) = A (A is m×k, A[i,p] at a[i·lda + p]) or Aᵀ (A is k×m, op(A)[i,p] at a[p·lda + i]); same for B.
export function gemm(
  m: number, n: number, k: number,
  a: Float32Array, lda: number, transA: boolean,
  b: Float32Array, ldb: number, transB: boolean,
  c: Float32Array, ldc: number, accumulate: boolean,
): void {
  const sai = transA ? 1 : lda, sap = transA ? lda : 1; // strides of op(A) along i and p
  const sbp = transB ? 1 : ldb, sbj = transB ? ldb : 1; // strides of op(B) along p and j
  for (let i = 0; i < m; i++) {
    const crow = i * ldc;
    if (!accumulate) c.fill(0, crow, crow + n);
    for (let p = 0; p < k; p++) {
      const aip = a[i * sai + p * sap];
      const brow = p * sbp;
      for (let j = 0; j < n; j++) c[crow + j] += aip * b[brow + j * sbj];
    }
  }
}
