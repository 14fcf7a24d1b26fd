// Finite-difference gradient check (torch.autograd.gradcheck's role, in float32):
// compares autograd's ∂L/∂input with central differences (L(x + εe_i) − L(x − εe_i)) / 2ε of
// L = Σ fn(inputs) ⊙ upstream, for every element of every input that requires grad.
import { Tensor } from './tensor.js';
import { noGrad } from './autograd.js';
import { globalRng, type Rng } from './rng.js';

export interface GradcheckOptions {
  /** Step of the central difference (float32 arithmetic: 1e-2 … 1e-3 is the useful range). */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Upstream gradient ⊙ out; random N(0,1) from rng when absent. */
  upstream?: Tensor;
  rng?: Rng;
}

export interface GradcheckResult {
  ok: boolean;
  /** Worst |analytic − numeric| − (atol + rtol·|numeric|) per input, with the element index. */
  worst: { input: number; index: number; analytic: number; numeric: number }[];
  message: string;
}

export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): GradcheckResult {
  const eps = opts.eps ?? 1e-2, atol = opts.atol ?? 1e-3, rtol = opts.rtol ?? 1e-2;
  const out0 = fn(...inputs);
  const upstream = opts.upstream ?? Tensor.randn(out0.shape, { rng: opts.rng ?? globalRng });
  const loss = (): number => {
    const o = noGrad(() => fn(...inputs));
    let s = 0;
    for (let i = 0; i < o.size; i++) s += o.data[i] * upstream.data[i];
    return s;
  };
  for (const t of inputs) t.grad = null;
  out0.backward(upstream);
  const worst: GradcheckResult['worst'] = [];
  const lines: string[] = [];
  inputs.forEach((t, ti) => {
    if (!t.requiresGrad) return;
    let bestExcess = -Infinity;
    let w = { input: ti, index: -1, analytic: 0, numeric: 0 };
    for (let i = 0; i < t.size; i++) {
      const orig = t.data[i];
      t.data[i] = orig + eps;
      const up = loss();
      t.data[i] = orig - eps;
      const down = loss();
      t.data[i] = orig;
      const numeric = (up - down) / (2 * eps);
      const analytic = t.grad === null ? 0 : t.grad.data[i];
      const excess = Math.abs(analytic - numeric) - (atol + rtol * Math.abs(numeric));
      if (excess > bestExcess) {
        bestExcess = excess;
        w = { input: ti, index: i, analytic, numeric };
      }
    }
    worst.push(w);
    if (bestExcess > 0) lines.push(`input ${ti} [${t.shape}] element ${w.index}: analytic ${w.analytic}, numeric ${w.numeric}`);
  });
  return { ok: lines.length === 0, worst, message: lines.length === 0 ? 'gradients match' : lines.join('\n') };
}
