// Module: torch.nn.Module's bookkeeping without attribute magic. A layer registers each parameter,
// buffer and submodule explicitly, by name, in the order torch would (insertion order); names are
// then PyTorch's dotted paths (`0.weight`, `features.0.bias`, `main.3.running_mean`), so state
// dicts load from and save to torch checkpoints key for key.
// Parameters are leaf tensors with requiresGrad; their identity never changes (loadStateDict and
// optimizers write into `data`), so a layer keeps them in readonly fields:
//
//   class Net extends Module {
//     readonly fc = this.registerModule('fc', new Linear(4, 2));
//     forward(x: Tensor) { return this.fc.forward(x).relu(); }
//   }
//
// Constructor options and hyper-parameter properties use torch's names verbatim (kernel_size,
// track_running_stats), like op attrs; methods are camelCase.
import { Tensor } from '../tensor.js';
import { fmt, shapeEq } from '../shape.js';

/** Error thrown by loadStateDict; lists what did not match (torch's RuntimeError message). */
export class StateDictError extends Error {
  override name = 'StateDictError';
  constructor(message: string, readonly missingKeys: string[], readonly unexpectedKeys: string[], readonly mismatchedKeys: string[]) {
    super(message);
  }
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

const INTEGER_NAME = /^(0|[1-9]\d*)$/;

export abstract class Module {
  /** Training mode (train()/eval()); changes batch norm and dropout. */
  training = true;
  private readonly _parameters = new Map<string, Tensor | null>();
  private readonly _buffers = new Map<string, Tensor | null>();
  private readonly _nonPersistent = new Set<string>();
  private readonly _modules = new Map<string, Module>();

  abstract forward(...args: any[]): any;

  /** torch's `module(x)`: runs forward. */
  call<M extends Module>(this: M, ...args: Parameters<M['forward']>): ReturnType<M['forward']> {
    return this.forward(...args);
  }

  // ---- registration ----
  /**
   * Registers a parameter (null = torch's `register_parameter(name, None)`, e.g. no bias) and
   * returns it. The tensor becomes a leaf that requires grad, and its values move into the active
   * backend's resident storage (src/backend.ts allocate: the WASM kernels then read and update them
   * without copies), so choose the backend and thread count before building models. A
   * Float32Array taken from `t.data` before registration is a copy afterwards.
   */
  registerParameter<T extends Tensor | null>(name: string, t: T): T {
    this.checkName('parameter', name, this._parameters);
    if (t !== null) {
      if (!t.isLeaf) throw new Error(`${this.constructor.name}.registerParameter('${name}'): a parameter must be a leaf tensor (detach() it first)`);
      t.requiresGrad = true;
      t._makeResident();
    }
    this._parameters.set(name, t);
    return t;
  }

  /**
   * Registers a buffer: state that is not trained (running statistics). Persistent buffers are
   * part of stateDict(). null = torch's None (absent from stateDict and buffers()).
   */
  registerBuffer<T extends Tensor | null>(name: string, t: T, opts: { persistent?: boolean } = {}): T {
    this.checkName('buffer', name, this._buffers);
    this._buffers.set(name, t);
    if (opts.persistent === false) this._nonPersistent.add(name);
    else this._nonPersistent.delete(name);
    return t;
  }

  /** Registers (or replaces) a submodule and returns it; its names get the prefix `name.`. */
  registerModule<M extends Module>(name: string, m: M): M {
    if (!(m instanceof Module)) throw new TypeError(`${this.constructor.name}.registerModule('${name}'): not a Module`);
    this.checkName('module', name, this._modules);
    this._modules.set(name, m);
    return m;
  }

  private checkName(kind: string, name: string, own: Map<string, unknown>): void {
    const where = `${this.constructor.name}: ${kind} name '${name}'`;
    if (typeof name !== 'string' || name === '' || name.includes('.')) throw new Error(`${where} must be a non-empty string without '.'`);
    // NOTE: JS objects list integer-like keys first, which would reorder stateDict(); torch only
    // uses integer names for modules (Sequential), whose keys are always dotted.
    if (kind !== 'module' && INTEGER_NAME.test(name)) throw new Error(`${where} must not be an integer`);
    const kinds: [string, Map<string, unknown>][] = [['parameter', this._parameters], ['buffer', this._buffers], ['module', this._modules]];
    for (const [k, map] of kinds) {
      if (map !== own && map.has(name)) throw new Error(`${where} is already taken by a ${k}`);
    }
    if (kind !== 'module' && own.has(name)) throw new Error(`${where} is already registered`);
  }

  // ---- traversal (preorder, as torch) ----
  namedChildren(): [string, Module][] {
    return [...this._modules];
  }
  children(): Module[] {
    return [...this._modules.values()];
  }
  /** This module and every descendant with dotted names ('' for this one); each module once. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (m: Module, p: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([p, m]);
      for (const [n, c] of m._modules) visit(c, p === '' ? n : `${p}.${n}`);
    };
    visit(this, prefix);
    return out;
  }
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Every parameter with its dotted name, in torch's order; a shared tensor is listed once. */
  namedParameters(): [string, Tensor][] {
    return this.collect((m) => m._parameters);
  }
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }
  namedBuffers(): [string, Tensor][] {
    return this.collect((m) => m._buffers);
  }
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  private collect(pick: (m: Module) => Map<string, Tensor | null>): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [p, m] of this.namedModules()) {
      for (const [n, t] of pick(m)) {
        if (t === null || seen.has(t)) continue;
        seen.add(t);
        out.push([p === '' ? n : `${p}.${n}`, t]);
      }
    }
    return out;
  }

  /** fn on every submodule, then on this one (torch's apply: `net.apply(weightsInit)`). */
  apply(fn: (m: Module) => void): this {
    for (const c of this._modules.values()) c.apply(fn);
    fn(this);
    return this;
  }

  // ---- modes and gradients ----
  /** Sets training mode on this module and every descendant. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  eval(): this {
    return this.train(false);
  }
  /** Drops every parameter's gradient (torch ≥ 2.0's default set_to_none=True). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }
  /** Turns gradients of every parameter on or off (freezing a feature extractor). */
  requiresGrad_(on = true): this {
    for (const p of this.parameters()) p.requiresGrad = on;
    return this;
  }

  // ---- state dict ----
  /**
   * Parameters and persistent buffers by dotted name, in torch's order (per module: parameters,
   * then buffers; then its children). The values share memory with the module: clone them to
   * keep a snapshot.
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [key, t] of this.stateEntries()) out[key] = t.detach();
    return out;
  }

  private stateEntries(): [string, Tensor, Module, string][] {
    const out: [string, Tensor, Module, string][] = [];
    const visit = (m: Module, p: string): void => {
      for (const [n, t] of m._parameters) if (t !== null) out.push([p + n, t, m, n]);
      for (const [n, t] of m._buffers) if (t !== null && !m._nonPersistent.has(n)) out.push([p + n, t, m, n]);
      for (const [n, c] of m._modules) visit(c, `${p}${n}.`);
    };
    visit(this, '');
    return out;
  }

  /**
   * Copies a state dict into this module's parameters and buffers, in place. strict (default):
   * missing or unexpected keys are an error. A shape mismatch is always an error. Nothing is
   * copied unless the whole load succeeds.
   */
  loadStateDict(sd: Record<string, Tensor>, opts: { strict?: boolean } = {}): LoadStateDictResult {
    const strict = opts.strict ?? true;
    const missingKeys: string[] = [], unexpectedKeys: string[] = [], mismatched: string[] = [], errors: string[] = [];
    const copies: [Tensor, Float32Array][] = [];
    const expected = new Set<string>();
    for (const [key, t, m, local] of this.stateEntries()) {
      expected.add(key);
      const src = Object.prototype.hasOwnProperty.call(sd, key) ? sd[key] : m.missingStateDefault(local);
      if (src === undefined) {
        missingKeys.push(key);
        continue;
      }
      if (!(src instanceof Tensor)) {
        errors.push(`value for ${key} is not a Tensor.`);
        continue;
      }
      // torch: a [1] checkpoint value loads into a 0-d tensor (0.3-era checkpoints).
      const compatible = shapeEq(src.shape, t.shape) || (t.ndim === 0 && src.ndim === 1 && src.size === 1);
      if (!compatible) {
        mismatched.push(key);
        errors.push(`size mismatch for ${key}: copying a param with shape ${fmt(src.shape)} from checkpoint, the shape in current model is ${fmt(t.shape)}.`);
        continue;
      }
      copies.push([t, src.data]);
    }
    for (const key of Object.keys(sd)) if (!expected.has(key)) unexpectedKeys.push(key);
    const list = (keys: string[]): string => keys.map((k) => `"${k}"`).join(', ');
    if (strict && unexpectedKeys.length > 0) errors.unshift(`Unexpected key(s) in state_dict: ${list(unexpectedKeys)}. `);
    if (strict && missingKeys.length > 0) errors.unshift(`Missing key(s) in state_dict: ${list(missingKeys)}. `);
    if (errors.length > 0) {
      throw new StateDictError(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${errors.join('\n\t')}`, missingKeys, unexpectedKeys, mismatched);
    }
    for (const [t, data] of copies) t.data.set(data);
    return { missingKeys, unexpectedKeys };
  }

  /**
   * The value loadStateDict uses when this module's state `name` is absent from the state dict
   * (undefined: report it missing). BatchNorm accepts a missing num_batches_tracked, as torch
   * does for checkpoints without version metadata.
   */
  protected missingStateDefault(_name: string): Tensor | undefined {
    return undefined;
  }

  // ---- printing ----
  /** The text inside the parentheses of this module's one-line description (torch's extra_repr). */
  extraRepr(): string {
    return '';
  }
  /** One line, e.g. `Linear(in_features=2, out_features=3, bias=True)`; used in error messages. */
  describe(): string {
    return `${this.constructor.name}(${this.extraRepr()})`;
  }
  /** torch's nested repr. */
  toString(): string {
    if (this._modules.size === 0) return this.describe();
    const lines = [`${this.constructor.name}(`];
    const extra = this.extraRepr();
    if (extra !== '') lines.push(`  ${extra}`);
    for (const [n, m] of this._modules) lines.push(`  (${n}): ${m.toString().replace(/\n/g, '\n  ')}`);
    lines.push(')');
    return lines.join('\n');
  }
}

/** Python's repr of a value in extraRepr strings: booleans True/False, pairs as tuples. */
export function pyRepr(v: unknown): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null || v === undefined) return 'None';
  if (Array.isArray(v)) return `(${v.map(pyRepr).join(', ')})`;
  if (typeof v === 'number' && v !== 0 && Number.isFinite(v) && (Math.abs(v) < 1e-4 || Math.abs(v) >= 1e16)) {
    return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2'); // Python's 1e-05
  }
  return String(v);
}
