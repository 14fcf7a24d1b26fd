// The Fréchet distance between two Gaussians fitted to feature sets (FID's formula), in float64:
//   FD = ‖μ1 − μ2‖² + Tr(Σ1) + Tr(Σ2) − 2·Tr((Σ1^½ Σ2 Σ1^½)^½)
// Σ1^½ Σ2 Σ1^½ is symmetric PSD and similar to Σ1Σ2, so its square root's trace is Σ √λ over its
// eigenvalues; both square roots come from a cyclic Jacobi eigen-decomposition, with eigenvalues
// rounded below zero clamped to 0 (correct for PSD input, robust to rank-deficient covariances,
// e.g. fewer samples than features). pytorch-fid instead uses scipy's sqrtm on the non-symmetric
// Σ1Σ2, which can return complex noise for near-singular inputs.

/** Mean and covariance of a feature set: cov is [dim, dim] row-major (unbiased, divides by count − 1). */
export interface FeatureStats {
  dim: number;
  count: number;
  mean: Float64Array;
  cov: Float64Array;
}

/** featureStats(x, count, dim) for x = [count, dim] row-major (np.mean(x, 0), np.cov(x, rowvar=False)). */
export function featureStats(x: ArrayLike<number>, count: number, dim: number): FeatureStats {
  if (!Number.isInteger(count) || !Number.isInteger(dim) || count < 2 || dim < 1) {
    throw new RangeError(`featureStats: needs at least 2 samples of at least 1 feature, got count ${count}, dim ${dim}`);
  }
  if (x.length !== count * dim) throw new RangeError(`featureStats: ${x.length} values is not ${count} × ${dim}`);
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j] += x[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= count;
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) row[j] = x[i * dim + j] - mean[j];
    for (let a = 0; a < dim; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      for (let b = a; b < dim; b++) cov[a * dim + b] += ra * row[b];
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const v = cov[a * dim + b] / (count - 1);
      cov[a * dim + b] = v;
      cov[b * dim + a] = v;
    }
  }
  return { dim, count, mean, cov };
}

/**
 * Eigen-decomposition of a symmetric matrix a [n, n] (row-major; only its symmetric part is used):
 * a = V diag(values) Vᵀ, eigenvector j in column j of `vectors`. Cyclic Jacobi rotations until the
 * off-diagonal mass is negligible (quadratic convergence; about 10 sweeps for n = 128).
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): { values: Float64Array; vectors: Float64Array } {
  if (a.length !== n * n) throw new RangeError(`symmetricEigen: ${a.length} values is not a ${n} × ${n} matrix`);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
  for (const v of A) if (!Number.isFinite(v)) throw new RangeError('symmetricEigen: the matrix has non-finite entries');
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  let total = 0;
  for (const v of A) total += v * v;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q] * A[p * n + q];
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (apq === 0) continue;
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        // A ← Jᵀ A J: columns p, q then rows p, q; V ← V J
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p], akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k], aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        A[p * n + q] = 0;
        A[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p], vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = A[i * n + i];
  return { values, vectors: V };
}

/** The PSD square root of a symmetric matrix (negative eigenvalues, i.e. rounding noise, become 0). */
export function sqrtPsd(a: ArrayLike<number>, n: number): Float64Array {
  const { values, vectors: V } = symmetricEigen(a, n);
  const r = values.map((l) => Math.sqrt(Math.max(l, 0)));
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += V[i * n + k] * r[k] * V[j * n + k];
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}

/** C = A·B for row-major [n, n] matrices. */
function matmul(A: Float64Array, B: ArrayLike<number>, n: number): Float64Array {
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = A[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) C[i * n + j] += aik * B[k * n + j];
    }
  }
  return C;
}

/** Fréchet distance between N(μ1, Σ1) and N(μ2, Σ2); ≥ 0 (rounding below 0 is clamped). */
export function frechetDistance(a: FeatureStats, b: FeatureStats): number {
  const n = a.dim;
  if (b.dim !== n || a.mean.length !== n || b.mean.length !== n || a.cov.length !== n * n || b.cov.length !== n * n) {
    throw new RangeError(`frechetDistance: feature sizes differ (${a.dim} vs ${b.dim}) or the stats are malformed`);
  }
  let d2 = 0, tr = 0;
  for (let i = 0; i < n; i++) {
    d2 += (a.mean[i] - b.mean[i]) ** 2;
    tr += a.cov[i * n + i] + b.cov[i * n + i];
  }
  const s1 = sqrtPsd(a.cov, n);
  const m = matmul(matmul(s1, b.cov, n), s1, n);
  const { values } = symmetricEigen(m, n);
  let trSqrt = 0;
  for (const l of values) trSqrt += Math.sqrt(Math.max(l, 0));
  const fd = d2 + tr - 2 * trSqrt;
  if (!Number.isFinite(fd)) throw new RangeError('frechetDistance: non-finite result (non-finite features?)');
  return Math.max(fd, 0);
}
