// Spectral normalisation (Miyato et al. 2018; torch.nn.utils.spectral_norm semantics, PyTorch 1.13):
// the layer uses W / σ(W), σ = the largest singular value of W viewed as a matrix [h, w] with
// h = W.shape[dim] (dim 0; 1 for ConvTranspose2d, whose weight is [Cin, Cout, kh, kw]).
// σ is estimated by power iteration on persistent vectors u [h], v [w]; in training mode each
// forward first runs n_power_iterations steps (no grad):
//   v ← normalize(Wᵀu),  u ← normalize(W v),   normalize(x) = x / max(‖x‖, eps)
// then σ = uᵀ W v with u, v constants, so ∂σ/∂W = u vᵀ and gradients reach weight_orig through σ.
// In eval mode u, v are used as stored. State dict, as torch: the layer's `bias`, `weight_orig`
// (a parameter, the raw weight), `weight_u`, `weight_v` (buffers) — `main.0.weight_orig` etc.
//   const d = new Sequential(spectralNorm(new Linear(784, 256)), new LeakyReLU(0.2), …)
// The wrapper takes the layer's place (same name in its parent); the layer's forward computes its
// weight through its weightFn hook.
import { Tensor } from '../tensor.js';
import { defineOp } from '../ops/op.js';
import { noGrad } from '../autograd.js';
import { kernels, resultArray } from '../backend.js';
import { normalize } from '../kernels/power_iteration.js';
import { globalRng, type Rng } from '../rng.js';
import { Module } from '../nn/module.js';
import { Linear } from '../nn/linear.js';
import { Conv2d, ConvTranspose2d } from '../nn/conv.js';

export type SpectralNormLayer = Linear | Conv2d | ConvTranspose2d;

export interface SpectralNormOptions {
  n_power_iterations?: number;
  eps?: number;
  /** The dimension of the weight that indexes the matrix rows (default 0, 1 for ConvTranspose2d). */
  dim?: number;
  /** Generator for u and v's random start (default: the global one). */
  rng?: Rng;
}

/**
 * The [h, w] matrix view of a weight (torch's reshape_weight_to_matrix: dim moved to the front,
 * the rest flattened in order). Element f of the weight, f = (a·h + r)·after + k, sits at row r,
 * column a·after + k.
 */
interface MatrixView {
  h: number;
  w: number;
  before: number;
  after: number;
}

function matrixView(shape: readonly number[], dim: number): MatrixView {
  const before = shape.slice(0, dim).reduce((p, d) => p * d, 1);
  const after = shape.slice(dim + 1).reduce((p, d) => p * d, 1);
  return { h: shape[dim], w: before * after, before, after };
}

/** uᵀ A v for A = the [h, w] matrix view of `a` (a laid out like the weight). */
function bilinear(a: Float32Array, u: Float32Array, v: Float32Array, m: MatrixView): number {
  let s = 0;
  for (let q = 0, f = 0; q < m.before; q++) {
    const c0 = q * m.after;
    for (let r = 0; r < m.h; r++) {
      let t = 0;
      for (let k = 0; k < m.after; k++, f++) t += a[f] * v[c0 + k];
      s += u[r] * t;
    }
  }
  return s;
}

// The normalisation as one primitive (one pass each way instead of five elementwise ops; kernels
// axpby and spectral_norm_grad):
//   out = W · (1/σ), σ = uᵀ W v = ⟨W, u vᵀ⟩ with u, v constants (copies of the buffers);
//   ∂W = dy/σ − u vᵀ·⟨dy, W⟩/σ² = (dy − ⟨dy, out⟩·u vᵀ) / σ.
// The backward is itself a primitive without a second derivative: gradient penalties differentiate
// D w.r.t. its input and then once w.r.t. weight_orig, which never differentiates this backward.
interface SnAttrs {
  dim: number;
  /** σ = uᵀ W v when the caller already has it (the power iteration's last ‖W v‖); null: computed here. */
  sigma: number | null;
}

const spectral_norm_weight = defineOp({
  name: 'spectral_norm_weight',
  inputs: ['weight', 'u', 'v'],
  attrs: { dim: 0, sigma: null } as SnAttrs,
  forward: ({ weight, u, v }, attrs) => {
    const sigma = attrs.sigma ?? bilinear(weight.data, u.data, v.data, matrixView(weight.shape, attrs.dim));
    const out = resultArray(weight.size);
    kernels().axpby(weight.data, 1 / sigma, null, 0, out.length, out);
    return { out: new Tensor(out, weight.shape), saved: { sigma } };
  },
  backward: (dy, { inputs: { u, v }, saved, out, attrs }) => ({
    weight: spectral_norm_weight_backward(dy, out, u!, v!, { dim: attrs.dim, sigma: saved.sigma as number }),
  }),
});

const spectral_norm_weight_backward = defineOp({
  name: 'spectral_norm_weight_backward',
  inputs: ['dy', 'out', 'u', 'v'],
  attrs: { dim: 0, sigma: 1 },
  forward: ({ dy, out, u, v }, { dim, sigma }) => {
    const m = matrixView(dy.shape, dim), g = resultArray(dy.size);
    kernels().spectral_norm_grad(dy.data, out.data, u.data, v.data, m.before, m.h, m.after, 1 / sigma, g);
    return new Tensor(g, dy.shape);
  },
  backward: () => {
    throw new Error('spectralNorm: second derivatives through the normalised weight (∂²/∂weight_orig²) are not supported');
  },
});

/** A unit vector N(0, 1)-drawn then normalised (torch's u, v start). */
function randomUnit(n: number, eps: number, rng: Rng): Float32Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.normal();
  normalize(x, eps);
  return Float32Array.from(x);
}

/** The module spectralNorm() returns: holds the layer's parameters under torch's names. */
export class SpectralNorm extends Module {
  readonly layer: SpectralNormLayer;
  readonly bias: Tensor | null;
  readonly weight_orig: Tensor;
  readonly weight_u: Tensor;
  readonly weight_v: Tensor;
  readonly dim: number;
  readonly n_power_iterations: number;
  readonly eps: number;
  private readonly view: MatrixView;

  constructor(layer: SpectralNormLayer, opts: SpectralNormOptions = {}) {
    super();
    if (!(layer instanceof Linear || layer instanceof Conv2d || layer instanceof ConvTranspose2d)) {
      throw new TypeError(`spectralNorm: expected a Linear, Conv2d or ConvTranspose2d layer, got ${(layer as object)?.constructor?.name}`);
    }
    if (layer.weightFn !== null) throw new Error(`spectralNorm: ${layer.describe()} already has a weight parametrization`);
    this.n_power_iterations = opts.n_power_iterations ?? 1;
    this.eps = opts.eps ?? 1e-12;
    this.dim = opts.dim ?? (layer instanceof ConvTranspose2d ? 1 : 0);
    if (!Number.isInteger(this.n_power_iterations) || this.n_power_iterations < 0) {
      throw new RangeError(`spectralNorm: n_power_iterations must be a non-negative integer, got ${this.n_power_iterations}`);
    }
    if (!(this.eps > 0) || !Number.isFinite(this.eps)) throw new RangeError(`spectralNorm: eps must be a finite number > 0, got ${this.eps}`);
    if (!Number.isInteger(this.dim) || this.dim < 0 || this.dim >= layer.weight.ndim) {
      throw new RangeError(`spectralNorm: dim ${this.dim} is out of range for weight of rank ${layer.weight.ndim}`);
    }
    this.layer = layer;
    const view = (this.view = matrixView(layer.weight.shape, this.dim));
    const { h, w } = view;
    const rng = opts.rng ?? globalRng;
    // torch's order: `weight` leaves _parameters (bias stays first), weight_orig is appended, then the buffers.
    this.bias = this.registerParameter('bias', layer.bias);
    this.weight_orig = this.registerParameter('weight_orig', layer.weight);
    this.weight_u = this.registerBuffer('weight_u', new Tensor(randomUnit(h, this.eps, rng), [h]));
    this.weight_v = this.registerBuffer('weight_v', new Tensor(randomUnit(w, this.eps, rng), [w]));
    layer.weightFn = () => this.normalizedWeight(this.training);
  }

  /**
   * Runs `n` power-iteration steps on weight_orig (the backend's power_iteration kernel), updating
   * weight_u and weight_v in place; returns σ = uᵀ W v for the new u, v (= ‖W v‖ before u's
   * normalisation), or null when n is 0.
   */
  powerIteration(n = this.n_power_iterations): number | null {
    if (n === 0) return null;
    const m = this.view;
    return kernels().power_iteration(this.weight_orig.data, m.before, m.h, m.after, this.weight_u.data, this.weight_v.data, n, this.eps);
  }

  /** σ = uᵀ W v with the stored u, v (a number; no power iteration). */
  sigma(): number {
    return bilinear(this.weight_orig.data, this.weight_u.data, this.weight_v.data, this.view);
  }

  /** W / σ(W), differentiable w.r.t. weight_orig; with powerIteration, u and v are updated first. */
  normalizedWeight(powerIteration = false): Tensor {
    const sigma = powerIteration ? this.powerIteration() : null;
    const u = new Tensor(this.weight_u.data.slice(), this.weight_u.shape), v = new Tensor(this.weight_v.data.slice(), this.weight_v.shape);
    return spectral_norm_weight(this.weight_orig, u, v, { dim: this.dim, sigma });
  }

  forward(x: Tensor): Tensor {
    return this.layer.forward(x);
  }

  /** The wrapped layer's description (torch prints the layer itself). */
  override describe(): string {
    return this.layer.describe();
  }
}

/**
 * torch.nn.utils.spectral_norm(module): returns a module that replaces `layer` (put it where the
 * layer would go); its state dict holds bias, weight_orig, weight_u, weight_v.
 */
export function spectralNorm(layer: SpectralNormLayer, opts: SpectralNormOptions = {}): SpectralNorm {
  return new SpectralNorm(layer, opts);
}

/** The normalised weight W/σ as a plain tensor (eval-mode value), e.g. for inspection. */
export function spectralNormWeight(m: SpectralNorm): Tensor {
  return noGrad(() => m.normalizedWeight(false));
}
