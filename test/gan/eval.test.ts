// Fréchet distance against closed forms, the eigen-solver, sample summaries and the training
// diagnostics (mode collapse, discriminator winning outright). Pure math: no classifier here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng.js';
import { featureStats, frechetDistance, sqrtPsd, symmetricEigen, type FeatureStats } from '../../src/gan/eval/frechet.js';
import { diagnose, summarizePredictions, type HistoryRecord } from '../../src/gan/eval/metrics.js';

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${what}: ${a} vs ${b}`);

function stats(mean: number[], cov: number[][]): FeatureStats {
  return { dim: mean.length, count: 100, mean: Float64Array.from(mean), cov: Float64Array.from(cov.flat()) };
}

function randomSpd(n: number, rng: Rng, rank = n): number[][] {
  // A Aᵀ with A [n, rank]: PSD, singular when rank < n
  const A = Array.from({ length: n }, () => Array.from({ length: rank }, () => rng.normal()));
  return A.map((ri) => A.map((rj) => ri.reduce((s, v, k) => s + v * rj[k], 0)));
}

const diag = (d: number[]) => d.map((v, i) => d.map((_, j) => (i === j ? v : 0)));

test('symmetricEigen: V diag(λ) Vᵀ rebuilds the matrix, V is orthonormal, λ match a known spectrum', () => {
  const rng = new Rng(3);
  for (const n of [1, 2, 5, 24]) {
    const a = randomSpd(n, rng).flat().map((v, i) => v - (i % (n + 1) === 0 ? 2 : 0)); // indefinite too
    const { values, vectors: V } = symmetricEigen(a, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let rec = 0, orth = 0;
        for (let k = 0; k < n; k++) {
          rec += V[i * n + k] * values[k] * V[j * n + k];
          orth += V[k * n + i] * V[k * n + j];
        }
        close(rec, a[i * n + j], 1e-10, `rebuilt[${i},${j}] (n=${n})`);
        close(orth, i === j ? 1 : 0, 1e-12, `VᵀV[${i},${j}] (n=${n})`);
      }
    }
  }
  // [[2, 1], [1, 2]] has eigenvalues 1 and 3
  const { values } = symmetricEigen([2, 1, 1, 2], 2);
  assert.deepEqual([...values].sort().map((v) => Math.round(v * 1e12) / 1e12), [1, 3]);
  assert.throws(() => symmetricEigen([1, NaN, 0, 1], 2), /non-finite/);
});

test('sqrtPsd: the square root squares back; rank-deficient and tiny negative eigenvalues are handled', () => {
  const rng = new Rng(4);
  for (const [n, rank] of [[6, 6], [6, 2], [10, 1]]) {
    const a = randomSpd(n, rng, rank).flat();
    const s = sqrtPsd(a, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let v = 0;
        for (let k = 0; k < n; k++) v += s[i * n + k] * s[k * n + j];
        close(v, a[i * n + j], 1e-9, `(√A)²[${i},${j}] rank ${rank}`);
      }
    }
  }
  const s = sqrtPsd([4, 0, 0, -1e-18], 2);
  assert.deepEqual([...s], [2, 0, 0, 0]);
});

test('featureStats: mean and unbiased covariance as numpy (np.cov rowvar=False)', () => {
  // x = [[1, 2], [3, 6], [5, 7]]: mean [3, 5]; cov [[4, 5], [5, 7]]
  const s = featureStats([1, 2, 3, 6, 5, 7], 3, 2);
  assert.deepEqual([...s.mean], [3, 5]);
  assert.deepEqual([...s.cov], [4, 5, 5, 7]);
  assert.throws(() => featureStats([1, 2], 1, 2), /at least 2 samples/);
  assert.throws(() => featureStats([1, 2, 3], 2, 2), /not 2 × 2/);
});

test('frechetDistance: identical sets → 0', () => {
  const rng = new Rng(5);
  const x = Float64Array.from({ length: 200 * 16 }, () => rng.normal());
  const s = featureStats(x, 200, 16);
  assert.ok(frechetDistance(s, s) < 1e-9, `${frechetDistance(s, s)}`);
  // and for a singular covariance (fewer samples than features)
  const t = featureStats(x.subarray(0, 5 * 16), 5, 16);
  assert.ok(frechetDistance(t, t) < 1e-8, `${frechetDistance(t, t)}`);
});

test('frechetDistance: translation only → ‖Δμ‖²', () => {
  const rng = new Rng(6);
  const cov = randomSpd(8, rng);
  const m1 = Array.from({ length: 8 }, () => rng.normal()), m2 = m1.map((v, i) => v + (i - 3) * 0.5);
  const d2 = m1.reduce((s, v, i) => s + (v - m2[i]) ** 2, 0);
  close(frechetDistance(stats(m1, cov), stats(m2, cov)), d2, 1e-9, 'FD');
});

test('frechetDistance: diagonal covariances → ‖Δμ‖² + Σ(√a − √b)²', () => {
  const a = [1, 4, 0.25, 9, 0, 2], b = [4, 1, 0.25, 0, 3, 2];
  const m1 = [0, 1, 2, 3, 4, 5], m2 = [1, 1, 2, 3, 4, 3];
  const expected = 1 + 4 + a.reduce((s, v, i) => s + (Math.sqrt(v) - Math.sqrt(b[i])) ** 2, 0);
  close(frechetDistance(stats(m1, diag(a)), stats(m2, diag(b))), expected, 1e-12, 'FD');
});

test('frechetDistance: general 2×2 closed form Tr Σ1 + Tr Σ2 − 2√(Tr Σ1Σ2 + 2√(det Σ1 det Σ2)); symmetric; rank-1 case', () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 20; trial++) {
    // every third Σ1 is singular: there √det is ill-conditioned (rounding ε in det → √ε in FD)
    const singular = trial % 3 === 0;
    const s1 = randomSpd(2, rng, singular ? 1 : 2), s2 = randomSpd(2, rng);
    const tr = (m: number[][]) => m[0][0] + m[1][1];
    const det = (m: number[][]) => m[0][0] * m[1][1] - m[0][1] * m[1][0];
    const tr12 = s1[0][0] * s2[0][0] + s1[0][1] * s2[1][0] + s1[1][0] * s2[0][1] + s1[1][1] * s2[1][1];
    const expected = tr(s1) + tr(s2) - 2 * Math.sqrt(tr12 + 2 * Math.sqrt(Math.max(det(s1) * det(s2), 0)));
    const a = stats([0, 0], s1), b = stats([0, 0], s2);
    close(frechetDistance(a, b), Math.max(expected, 0), singular ? 1e-6 : 1e-10, `FD trial ${trial}`);
    close(frechetDistance(b, a), frechetDistance(a, b), singular ? 1e-6 : 1e-10, `symmetry trial ${trial}`);
  }
  // Σ1 = uuᵀ, Σ2 = vvᵀ: FD = |u|² + |v|² − 2|u·v|
  const u = [1, 2], v = [3, -1];
  const outer = (p: number[]) => p.map((x) => p.map((y) => x * y));
  close(frechetDistance(stats([0, 0], outer(u)), stats([0, 0], outer(v))), 5 + 10 - 2 * 1, 1e-10, 'rank-1 FD');
});

test('frechetDistance: invariant under a rotation of both sets; grows with the scale mismatch', () => {
  const rng = new Rng(8);
  const n = 12;
  const c1 = randomSpd(n, rng), c2 = randomSpd(n, rng);
  // random orthogonal Q from the eigenvectors of a random symmetric matrix
  const Q = symmetricEigen(randomSpd(n, rng).flat(), n).vectors;
  const rot = (c: number[][]) => {
    const out: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) for (let l = 0; l < n; l++) out[i][j] += Q[i * n + k] * c[k][l] * Q[j * n + l];
    return out;
  };
  const zero = new Array<number>(n).fill(0);
  close(frechetDistance(stats(zero, rot(c1)), stats(zero, rot(c2))), frechetDistance(stats(zero, c1), stats(zero, c2)), 1e-9, 'rotated FD');
  const scaled = (k: number) => c1.map((r) => r.map((x) => x * k));
  const d = [1, 2, 4, 8].map((k) => frechetDistance(stats(zero, c1), stats(zero, scaled(k))));
  assert.ok(d[0] < 1e-8 && d[1] < d[2] && d[2] < d[3], d.join(', '));
  // c·Σ vs Σ: FD = Tr Σ (1 + c − 2√c) = Tr Σ (√c − 1)²
  const trace = c1.reduce((s, r, i) => s + r[i], 0);
  close(d[2], trace * (2 - 1) ** 2, 1e-9, 'FD(Σ, 4Σ)');
});

test('summarizePredictions: per-class counts, coverage at 2%, confident at p > 0.9, mean confidence', () => {
  // 100 samples: 50 confident 3s (p 0.95), 48 unsure 7s (p 0.5), 1 eight (p 0.9: not > 0.9), 1 zero (p 0.99)
  const probs = new Float32Array(100 * 10);
  const put = (i: number, k: number, p: number) => {
    for (let c = 0; c < 10; c++) probs[i * 10 + c] = (1 - p) / 9;
    probs[i * 10 + k] = p;
  };
  for (let i = 0; i < 50; i++) put(i, 3, 0.95);
  for (let i = 50; i < 98; i++) put(i, 7, 0.5);
  put(98, 8, 0.9);
  put(99, 0, 0.99);
  const s = summarizePredictions(probs, 100);
  assert.deepEqual(s.perClass.counts, [1, 0, 0, 50, 0, 0, 0, 48, 1, 0]);
  assert.deepEqual(s.perClass.fractions, [0.01, 0, 0, 0.5, 0, 0, 0, 0.48, 0.01, 0]);
  assert.equal(s.coverage, 2);
  close(s.confident, 0.51, 1e-12, 'confident');
  close(s.meanConfidence, (50 * 0.95 + 48 * 0.5 + Math.fround(0.9) + Math.fround(0.99)) / 100, 1e-6, 'mean confidence');
  assert.equal(summarizePredictions(probs, 100, { coverageThreshold: 0.005 }).coverage, 4);
  assert.throws(() => summarizePredictions(probs, 99), /not 99 × 10/);
});

const even = (k: number[]) => Array.from({ length: 10 }, (_, c) => (k.includes(c) ? 1 / k.length : 0));

test('diagnose: healthy run → no warnings', () => {
  const h: HistoryRecord[] = [0, 1, 2, 3, 4, 5].map((i) => ({
    step: i * 100, fractions: even([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), dReal: 0.7, dFake: 0.3,
  }));
  assert.deepEqual(diagnose(h), []);
  assert.deepEqual(diagnose([]), []);
});

test('diagnose: a class that vanishes is a mode collapse, naming the class and the best earlier coverage', () => {
  const h: HistoryRecord[] = [
    { step: 1000, fractions: even([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) },
    { step: 2000, fractions: even([0, 1, 2, 3, 4, 5, 6, 7, 8]) },
  ];
  const w = diagnose(h);
  assert.equal(w.length, 1);
  assert.equal(w[0].kind, 'mode-collapse');
  assert.equal(w[0].step, 2000);
  assert.deepEqual(w[0].classes, [9]);
  assert.deepEqual(w[0].coverage, { now: 9, best: 10, bestStep: 1000 });
  assert.match(w[0].message, /class 9 vanished/);
  // a class that was never there is not "vanished"; a small dip is not a collapse
  assert.deepEqual(diagnose([{ step: 1, fractions: even([0, 1, 2]) }, { step: 2, fractions: even([0, 1, 2]) }]), []);
});

test('diagnose: coverage dropping by ≥ 2 (from reports without per-class fractions) and total collapse', () => {
  const w = diagnose([{ step: 1, coverage: 9 }, { step: 2, coverage: 10 }, { step: 3, coverage: 8 }]);
  assert.equal(w.length, 1);
  assert.equal(w[0].kind, 'mode-collapse');
  assert.deepEqual(w[0].coverage, { now: 8, best: 10, bestStep: 2 });
  assert.deepEqual(diagnose([{ step: 1, coverage: 10 }, { step: 2, coverage: 9 }]), []);
  const ones = Array.from({ length: 10 }, (_, k) => (k === 1 ? 0.97 : 0.003 + (k === 7 ? 0.003 : 0)));
  const total = diagnose([{ step: 1, fractions: even([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) }, { step: 2, fractions: ones }]);
  assert.equal(total.length, 1);
  assert.deepEqual(total[0].classes, [0, 2, 3, 4, 5, 6, 8, 9]);
  assert.match(total[0].message, /97% of samples are 1s/);
});

test('diagnose: D winning outright for the whole window, not for a blip', () => {
  const rec = (step: number, dReal: number, dFake: number): HistoryRecord => ({ step, dReal, dFake });
  const wins = [rec(100, 0.6, 0.4), ...[2, 3, 4, 5, 6].map((i) => rec(i * 100, 0.99, 0.01))];
  const w = diagnose(wins);
  assert.equal(w.length, 1);
  assert.equal(w[0].kind, 'discriminator-wins');
  assert.equal(w[0].step, 600);
  assert.match(w[0].message, /since step 200/);
  // one record in the window where G fooled D → no warning
  const blip = [...wins.slice(0, 3), rec(400, 0.99, 0.2), ...wins.slice(4)];
  assert.deepEqual(diagnose(blip), []);
  // too short a history → no warning; a shorter window option → warning
  assert.deepEqual(diagnose(wins.slice(-3)), []);
  assert.equal(diagnose(wins.slice(-3), { window: 3 }).length, 1);
});
