// Tensor: a contiguous row-major Float32Array + shape, with PyTorch's autograd vocabulary
// (requiresGrad, grad, backward, detach). Every computation goes through the op table F; the
// methods here are sugar over it.
import { backward as runBackward, type BackwardOptions, type Node } from './autograd.js';
import { residentCopy } from './backend.js';
import { opsTable as F } from './ops_ref.js';
import { globalRng, type Rng } from './rng.js';
import { checkShape, fmt, ShapeError, sizeOf, type Shape } from './shape.js';

type Nested = number | Nested[];

export class Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
  requiresGrad: boolean;
  grad: Tensor | null = null;
  /** The node that produced this tensor (null for leaves and untracked results). */
  _ctx: Node | null = null;

  constructor(data: Float32Array, shape: Shape, requiresGrad = false) {
    checkShape('Tensor', shape);
    if (data.length !== sizeOf(shape)) {
      throw new ShapeError(`Tensor: ${data.length} values do not fill shape ${fmt(shape)} (${sizeOf(shape)} elements)`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.requiresGrad = requiresGrad;
  }

  // ---- creation ----
  static zeros(shape: Shape, opts: { requiresGrad?: boolean } = {}): Tensor {
    checkShape('zeros', shape);
    return new Tensor(new Float32Array(sizeOf(shape)), shape, opts.requiresGrad);
  }
  static ones(shape: Shape, opts: { requiresGrad?: boolean } = {}): Tensor {
    return Tensor.full(shape, 1, opts);
  }
  static full(shape: Shape, value: number, opts: { requiresGrad?: boolean } = {}): Tensor {
    checkShape('full', shape);
    return new Tensor(new Float32Array(sizeOf(shape)).fill(value), shape, opts.requiresGrad);
  }
  static zerosLike(t: Tensor): Tensor {
    return Tensor.zeros(t.shape);
  }
  static onesLike(t: Tensor): Tensor {
    return Tensor.ones(t.shape);
  }
  /** 0-d tensor (shape []). */
  static scalar(v: number): Tensor {
    return new Tensor(Float32Array.of(v), []);
  }
  /** From a (nested) array of numbers or a Float32Array with an explicit shape. */
  static from(values: Nested | Float32Array | ArrayLike<number>, shape?: Shape, opts: { requiresGrad?: boolean } = {}): Tensor {
    if (shape !== undefined) return new Tensor(Float32Array.from(values as ArrayLike<number>), shape, opts.requiresGrad);
    const inferred: number[] = [];
    let v: Nested = values as Nested;
    while (Array.isArray(v)) {
      inferred.push(v.length);
      v = v[0];
    }
    const flat = Array.isArray(values) ? (values as Nested[]).flat(Infinity as 1) as number[] : [values as number];
    return new Tensor(Float32Array.from(flat), inferred, opts.requiresGrad);
  }
  static randn(shape: Shape, opts: { requiresGrad?: boolean; rng?: Rng; mean?: number; std?: number } = {}): Tensor {
    checkShape('randn', shape);
    const rng = opts.rng ?? globalRng;
    const d = new Float32Array(sizeOf(shape));
    for (let i = 0; i < d.length; i++) d[i] = rng.normal(opts.mean ?? 0, opts.std ?? 1);
    return new Tensor(d, shape, opts.requiresGrad);
  }
  static rand(shape: Shape, opts: { requiresGrad?: boolean; rng?: Rng; low?: number; high?: number } = {}): Tensor {
    checkShape('rand', shape);
    const rng = opts.rng ?? globalRng;
    const d = new Float32Array(sizeOf(shape));
    for (let i = 0; i < d.length; i++) d[i] = rng.uniform(opts.low ?? 0, opts.high ?? 1);
    return new Tensor(d, shape, opts.requiresGrad);
  }

  /**
   * Internal (Module.registerParameter): moves the values into the active backend's resident storage
   * (backend.residentCopy: kernels use them in place), keeping them. The one place `data` changes.
   */
  _makeResident(): void {
    (this as { data: Float32Array }).data = residentCopy(this.data);
  }

  // ---- properties ----
  get size(): number {
    return this.data.length;
  }
  get ndim(): number {
    return this.shape.length;
  }
  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ShapeError(`item: tensor of shape ${fmt(this.shape)} has ${this.size} elements, not 1`);
    return this.data[0];
  }
  /** Nested JS arrays (a number for a 0-d tensor). */
  toArray(): Nested {
    const build = (dim: number, off: number): Nested => {
      if (dim === this.shape.length) return this.data[off];
      const stride = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, off + i * stride));
    };
    return build(0, 0);
  }
  toString(): string {
    return `Tensor(${fmt(this.shape)}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  // ---- autograd ----
  /** Sets requiresGrad in place (torch's requires_grad_()); returns this. */
  requiresGrad_(on = true): this {
    if (this._ctx !== null && !on) throw new Error('requiresGrad_: cannot turn off gradients of a non-leaf tensor; use detach()');
    this.requiresGrad = on;
    return this;
  }
  /** Same data, cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }
  clone(): Tensor {
    return F().mul(this, 1);
  }
  backward(grad?: Tensor, opts?: BackwardOptions): void {
    runBackward(this, grad, opts);
  }
  get isLeaf(): boolean {
    return this._ctx === null;
  }

  // ---- op sugar (all through F) ----
  add(o: Tensor | number): Tensor { return F().add(this, o); }
  sub(o: Tensor | number): Tensor { return F().sub(this, o); }
  mul(o: Tensor | number): Tensor { return F().mul(this, o); }
  div(o: Tensor | number): Tensor { return F().div(this, o); }
  neg(): Tensor { return F().mul(this, -1); }
  matmul(o: Tensor): Tensor { return F().matmul(this, o); }
  reshape(...shape: number[] | [Shape]): Tensor {
    const s = (Array.isArray(shape[0]) ? shape[0] : shape) as number[];
    return F().reshape(this, { shape: s });
  }
  view(...shape: number[] | [Shape]): Tensor { return this.reshape(...shape); }
  flatten(startDim = 0): Tensor {
    const s = this.shape.slice(0, startDim);
    return F().reshape(this, { shape: [...s, -1] });
  }
  permute(...dims: number[]): Tensor { return F().permute(this, { dims }); }
  /** Swaps two axes. */
  transpose(d0 = -2, d1 = -1): Tensor {
    const r = this.ndim;
    const dims = Array.from({ length: r }, (_, i) => i);
    const a = d0 < 0 ? d0 + r : d0, b = d1 < 0 ? d1 + r : d1;
    [dims[a], dims[b]] = [dims[b], dims[a]];
    return F().permute(this, { dims });
  }
  get T(): Tensor { return this.transpose(); }
  sum(dim: number | number[] | null = null, keepdim = false): Tensor {
    return F().sum(this, { dim: typeof dim === 'number' ? [dim] : dim, keepdim });
  }
  mean(dim: number | number[] | null = null, keepdim = false): Tensor {
    return F().mean(this, { dim: typeof dim === 'number' ? [dim] : dim, keepdim });
  }
  relu(): Tensor { return F().relu(this); }
  sigmoid(): Tensor { return F().sigmoid(this); }
  tanh(): Tensor { return F().tanh(this); }
  exp(): Tensor { return F().exp(this); }
  log(): Tensor { return F().log(this); }
  sqrt(): Tensor { return F().sqrt(this); }
  pow(p: number): Tensor { return F().pow(this, { exponent: p }); }
  square(): Tensor { return F().mul(this, this); }
  abs(): Tensor { return F().abs(this); }
}
