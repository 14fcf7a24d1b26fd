// L-BFGS exactly as torch.optim.LBFGS (PyTorch 1.13); the algorithm is written out in
// ../shared/oracle/FORMAT.md §6. All parameters are treated as one flat vector (torch's
// _gather_flat_grad). Stored vectors (direction, history, previous gradient) are float32 like
// torch's, which halves the memory of a long history on a large image; every dot product,
// norm and the two-loop recursion are computed in float64.
// NOTE: memory is 2·history_size·numel·4 bytes of history (100 × a 512² RGB image ≈ 630 MB) plus,
// during an evaluation, d and the last gathered gradient (float32, numel each; torch keeps a third,
// its separate prev_flat_grad); the two-loop recursion adds one float64 vector while it runs; only
// the strong-Wolfe line search keeps a copy of the parameters.
// State (keyed by the first parameter, as in torch): func_evals, n_iter, d, t, old_dirs, old_stps,
// ro, H_diag, prev_flat_grad, prev_loss; it persists across step() calls.
import type { Tensor } from '../tensor.js';
import { checkNonNegative, evalClosure, Optimizer, type Closure, type ParamsArg, type ParamState } from './optimizer.js';

export interface LBFGSOptions {
  lr: number;
  max_iter: number;
  /** null → floor(max_iter · 5 / 4), torch's default. */
  max_eval: number | null;
  tolerance_grad: number;
  tolerance_change: number;
  history_size: number;
  line_search_fn: 'strong_wolfe' | null;
}

/** Stored vectors are float32; temporaries of the two-loop recursion are float64. */
type Vec = Float32Array;
type Arr = Float32Array | Float64Array;

function dot(a: Arr, b: Arr): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
function maxAbs(a: Arr): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
/** a += alpha·b */
function axpy(a: Float64Array, alpha: number, b: Arr): void {
  for (let i = 0; i < a.length; i++) a[i] += alpha * b[i];
}
/**
 * a += alpha·b, then Σ c·a over the updated a (null c: no sum): an axpy of the two-loop recursion
 * fused with the dot product of its next step, one pass over a instead of two — the same float64
 * operations in the same order as axpy then dot. (At history 100 on a 256² image the recursion is
 * 200 such pairs over 196 608 floats: 90 ms as separate loops.)
 */
function axpyDot(a: Float64Array, alpha: number, b: Arr, c: Arr | null): number {
  if (c === null) {
    axpy(a, alpha, b);
    return 0;
  }
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const v = (a[i] += alpha * b[i]);
    s += c[i] * v;
  }
  return s;
}
function scaled(a: Arr, alpha: number): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] * alpha;
  return out;
}

/** Minimiser of the cubic through (x1, f1, g1), (x2, f2, g2), clamped to [lo, hi] (torch's _cubic_interpolate). */
export function cubicInterpolate(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number,
  lo = Math.min(x1, x2), hi = Math.max(x1, x2)): number {
  const d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  const s = d1 * d1 - g1 * g2;
  if (s < 0) return (lo + hi) / 2;
  const d2 = Math.sqrt(s);
  const m = x1 <= x2
    ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
  return Math.min(Math.max(m, lo), hi);
}

/**
 * torch's _strong_wolfe line search along d from t = 0 (loss f, gradient g, slope gtd = g·d).
 * evaluate(t) returns [f, ∇f] at x + t·d. Returns [loss, gradient, step, evaluations].
 */
export function strongWolfe<G extends Arr>(evaluate: (t: number) => [number, G], t: number, d: Arr, f: number, g: G, gtd: number,
  c1 = 1e-4, c2 = 0.9, tol = 1e-9, maxLs = 25): [number, G, number, number] {
  const dNorm = maxAbs(d);
  let [fNew, gNew] = evaluate(t);
  let evals = 1;
  let gtdNew = dot(gNew, d);
  let tPrev = 0, fPrev = f, gPrev = g, gtdPrev = gtd;
  let done = false;
  let ls = 0;
  let B: number[] = [], BF: number[] = [], BG: G[] = [], BD: number[] = [];
  while (ls < maxLs) {
    if (fNew > f + c1 * t * gtd || (ls > 1 && fNew >= fPrev)) {
      B = [tPrev, t]; BF = [fPrev, fNew]; BG = [gPrev, gNew]; BD = [gtdPrev, gtdNew];
      break;
    }
    if (Math.abs(gtdNew) <= -c2 * gtd) {
      B = [t]; BF = [fNew]; BG = [gNew]; done = true;
      break;
    }
    if (gtdNew >= 0) {
      B = [tPrev, t]; BF = [fPrev, fNew]; BG = [gPrev, gNew]; BD = [gtdPrev, gtdNew];
      break;
    }
    const tNext = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, t + 0.01 * (t - tPrev), t * 10);
    tPrev = t; fPrev = fNew; gPrev = gNew; gtdPrev = gtdNew;
    t = tNext;
    [fNew, gNew] = evaluate(t);
    evals++;
    gtdNew = dot(gNew, d);
    ls++;
  }
  if (ls === maxLs) {
    B = [0, t]; BF = [f, fNew]; BG = [g, gNew];
  }
  // zoom: shrink the bracket [B[low], B[high]] until the strong Wolfe conditions hold
  let insuf = false;
  let [low, high] = BF[0] <= BF[BF.length - 1] ? [0, 1] : [1, 0];
  while (!done && ls < maxLs) {
    if (Math.abs(B[1] - B[0]) * dNorm < tol) break;
    t = cubicInterpolate(B[0], BF[0], BD[0], B[1], BF[1], BD[1]);
    const bMax = Math.max(...B), bMin = Math.min(...B);
    const w = 0.1 * (bMax - bMin);
    if (Math.min(bMax - t, t - bMin) < w) {
      if (insuf || t >= bMax || t <= bMin) {
        t = Math.abs(t - bMax) < Math.abs(t - bMin) ? bMax - w : bMin + w;
        insuf = false;
      } else {
        insuf = true;
      }
    } else {
      insuf = false;
    }
    [fNew, gNew] = evaluate(t);
    evals++;
    gtdNew = dot(gNew, d);
    ls++;
    if (fNew > f + c1 * t * gtd || fNew >= BF[low]) {
      B[high] = t; BF[high] = fNew; BG[high] = gNew; BD[high] = gtdNew;
      [low, high] = BF[0] <= BF[1] ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= -c2 * gtd) done = true;
      else if (gtdNew * (B[high] - B[low]) >= 0) {
        B[high] = B[low]; BF[high] = BF[low]; BG[high] = BG[low]; BD[high] = BD[low];
      }
      B[low] = t; BF[low] = fNew; BG[low] = gNew; BD[low] = gtdNew;
    }
  }
  return [BF[low], BG[low], B[low], evals];
}

/**
 * torch.optim.LBFGS. step(closure) runs up to max_iter iterations and returns the loss at its start.
 * @example
 *   const opt = new LBFGS([img], { lr: 1, line_search_fn: 'strong_wolfe' });
 *   opt.step(() => { opt.zeroGrad(); const l = loss(img); l.backward(); return l; });
 */
export class LBFGS extends Optimizer<LBFGSOptions> {
  constructor(params: ParamsArg<LBFGSOptions>, options: Partial<LBFGSOptions> = {}) {
    const maxIter = options.max_iter ?? 20;
    super('LBFGS', params, {
      lr: 1, max_iter: 20, max_eval: null, tolerance_grad: 1e-7, tolerance_change: 1e-9, history_size: 100, line_search_fn: null,
    }, { ...options, max_eval: options.max_eval ?? Math.floor((maxIter * 5) / 4) });
    if (this.paramGroups.length !== 1) throw new Error("LBFGS: doesn't support per-parameter options (parameter groups)");
  }

  protected validate(h: LBFGSOptions): void {
    checkNonNegative('LBFGS', 'learning rate lr', h.lr);
    checkNonNegative('LBFGS', 'tolerance_grad', h.tolerance_grad);
    checkNonNegative('LBFGS', 'tolerance_change', h.tolerance_change);
    for (const k of ['max_iter', 'max_eval', 'history_size'] as const) {
      const v = h[k];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`LBFGS: ${k} must be a positive integer, got ${JSON.stringify(v)}`);
    }
    if (h.line_search_fn !== null && h.line_search_fn !== 'strong_wolfe') {
      throw new RangeError(`LBFGS: only 'strong_wolfe' is supported as line_search_fn (or null), got ${JSON.stringify(h.line_search_fn)}`);
    }
  }

  private get params(): Tensor[] {
    return this.paramGroups[0].params;
  }
  private numel(): number {
    return this.params.reduce((n, p) => n + p.size, 0);
  }

  protected override validateState(p: Tensor, s: ParamState, index: number): void {
    if (p !== this.params[0]) throw new Error(`LBFGS.loadStateDict: state belongs to the first parameter, got state for parameter ${index}`);
    const n = this.numel();
    const bad = (k: string, what: string) => new Error(`LBFGS.loadStateDict: '${k}' must be ${what}`);
    for (const k of ['func_evals', 'n_iter']) if (typeof s[k] !== 'number') throw bad(k, 'a number');
    for (const k of ['d', 'prev_flat_grad']) if (s[k] !== undefined && !(s[k] instanceof Float32Array && s[k].length === n)) throw bad(k, `a Float32Array of ${n} values`);
    for (const k of ['old_dirs', 'old_stps']) {
      const v = s[k];
      if (v !== undefined && !(Array.isArray(v) && v.every((x) => x instanceof Float32Array && x.length === n))) throw bad(k, `a list of Float32Array of ${n} values`);
    }
  }

  /** Flat copy of every parameter's gradient (zeros where a gradient is null). */
  private gatherFlatGrad(): Vec {
    const out = new Float32Array(this.numel());
    let off = 0;
    for (const p of this.params) {
      const g = this.gradOf(p);
      if (g !== null) out.set(g, off);
      off += p.size;
    }
    return out;
  }
  /** params = x + t·d (x: saved float32 copies, null: the params themselves, torch's _add_grad; rounded once to float32). */
  private setParams(x: Float32Array[] | null, t: number, d: Vec): void {
    let off = 0;
    this.params.forEach((p, j) => {
      const pd = p.data, xj = x === null ? pd : x[j];
      for (let i = 0; i < pd.length; i++) pd[i] = xj[i] + t * d[off + i];
      off += pd.length;
    });
  }

  step(closure: Closure): number {
    if (typeof closure !== 'function') throw new TypeError('LBFGS.step: a closure is required (it zeroes the grads, computes the loss, calls backward and returns the loss)');
    const { lr, max_iter: maxIter, tolerance_grad: tolGrad, tolerance_change: tolChange, line_search_fn: lineSearch, history_size: historySize } = this.paramGroups[0];
    const maxEval = this.paramGroups[0].max_eval as number;
    const key = this.params[0];
    let st = this.state.get(key);
    if (st === undefined) this.state.set(key, (st = { func_evals: 0, n_iter: 0 }));
    const evaluate = () => evalClosure('LBFGS', closure);

    const origLoss = evaluate();
    let loss = origLoss;
    let currentEvals = 1;
    (st.func_evals as number)++;
    let flatGrad = this.gatherFlatGrad();
    if (maxAbs(flatGrad) <= tolGrad) return origLoss;

    let d = st.d as Vec | undefined;
    let t = st.t as number;
    let oldDirs = (st.old_dirs ?? []) as Vec[];
    let oldStps = (st.old_stps ?? []) as Vec[];
    let ro = (st.ro ?? []) as number[];
    let hDiag = st.H_diag as number;
    let prevFlatGrad = st.prev_flat_grad as Vec | undefined;
    let prevLoss = st.prev_loss as number;

    let nIter = 0;
    while (nIter < maxIter) {
      nIter++;
      const globalIter = (st.n_iter as number) + 1;
      st.n_iter = globalIter;
      if (globalIter === 1) {
        d = flatGrad.map((v) => -v);
        oldDirs = []; oldStps = []; ro = [];
        hDiag = 1;
      } else {
        // two-loop recursion over the history (y: gradient change, s: step taken)
        const y = flatGrad.map((v, i) => v - prevFlatGrad![i]);
        const s = d!.map((v) => v * t);
        const ys = dot(y, s);
        if (ys > 1e-10) {
          if (oldDirs.length === historySize) {
            oldDirs.shift(); oldStps.shift(); ro.shift();
          }
          oldDirs.push(y); oldStps.push(s); ro.push(1 / ys);
          hDiag = ys / dot(y, y);
        }
        // torch: q = −g; for i = k−1 … 0: al_i = (s_i·q)·ro_i, q −= al_i·y_i; r = q·H_diag;
        // for i = 0 … k−1: be_i = (y_i·r)·ro_i, r += (al_i − be_i)·s_i. Each update is fused with
        // the next step's dot product (axpyDot).
        const k = oldDirs.length, al = new Array<number>(k);
        const q = scaled(flatGrad, -1);
        let sq = k > 0 ? dot(oldStps[k - 1], q) : 0;
        for (let i = k - 1; i >= 0; i--) {
          al[i] = sq * ro[i];
          sq = axpyDot(q, -al[i], oldDirs[i], i > 0 ? oldStps[i - 1] : null);
        }
        const r = q; // r = H_diag·q, in place
        for (let i = 0; i < r.length; i++) r[i] *= hDiag;
        let yr = k > 0 ? dot(oldDirs[0], r) : 0;
        for (let i = 0; i < k; i++) {
          const be = yr * ro[i];
          yr = axpyDot(r, al[i] - be, oldStps[i], i + 1 < k ? oldDirs[i + 1] : null);
        }
        d = Float32Array.from(r);
      }
      prevFlatGrad = flatGrad; // flatGrad is never written in place (each gather is a new array): no copy
      prevLoss = loss;
      // first-step scaling, only on the very first iteration
      t = globalIter === 1 ? Math.min(1, 1 / flatGrad.reduce((a, v) => a + Math.abs(v), 0)) * lr : lr;
      const gtd = dot(flatGrad, d!);
      if (gtd > -tolChange) break;

      let lsEvals = 0;
      if (lineSearch === 'strong_wolfe') {
        const x = this.params.map((p) => p.data.slice());
        const dir = d!;
        const directional = (tt: number): [number, Vec] => {
          this.setParams(x, tt, dir);
          const f = evaluate();
          const g = this.gatherFlatGrad();
          this.params.forEach((p, j) => p.data.set(x[j]));
          return [f, g];
        };
        [loss, flatGrad, t, lsEvals] = strongWolfe(directional, t, dir, loss, flatGrad, gtd);
        this.setParams(x, t, dir);
      } else {
        this.setParams(null, t, d!);
        if (nIter !== maxIter) {
          loss = evaluate();
          flatGrad = this.gatherFlatGrad();
          lsEvals = 1;
        }
      }
      currentEvals += lsEvals;
      st.func_evals = (st.func_evals as number) + lsEvals;

      if (nIter === maxIter) break;
      if (currentEvals >= maxEval) break;
      if (maxAbs(flatGrad) <= tolGrad) break;
      if (maxAbs(d!) * Math.abs(t) <= tolChange) break;
      if (Math.abs(loss - prevLoss) < tolChange) break;
    }

    Object.assign(st, { d, t, old_dirs: oldDirs, old_stps: oldStps, ro, H_diag: hDiag, prev_flat_grad: prevFlatGrad, prev_loss: prevLoss });
    return origLoss;
  }
}
