// Optimizer base in torch.optim's shape: param_groups (each a list of parameters plus its own
// hyper-parameters, filled from the optimizer's defaults), per-parameter state, zeroGrad, and
// stateDict()/loadStateDict() so a training run resumes exactly from a checkpoint.
//
// stateDict() layout (torch's optimizer.state_dict()):
//   { state: { "<param index>": { <key>: number | boolean | null | Float32Array | Float64Array | [...] } },
//     param_groups: [ { <hyper-parameters>, params: [<param index>, ...] } ] }
// Parameter indices count over all groups in order. Everything is JSON-like except the typed
// arrays; src/optim/serialize.ts turns it into safetensors bytes and back.
import { enableGrad } from '../autograd.js';
import { Tensor } from '../tensor.js';
import { fmt, shapeEq } from '../shape.js';

export type StateValue = number | boolean | string | null | Float32Array | Float64Array | StateValue[];
export type ParamState = Record<string, StateValue>;

export type ParamGroup<H> = H & { params: Tensor[] };
/** A param-group argument: its params plus any hyper-parameter overriding the defaults. */
export type ParamGroupInput<H> = Partial<H> & { params: Iterable<Tensor> };
export type ParamsArg<H> = Iterable<Tensor> | ParamGroupInput<H>[];

export interface OptimizerStateDict<H = Record<string, unknown>> {
  state: Record<string, ParamState>;
  param_groups: (H & { params: number[] })[];
}

/** torch's closure contract: zero the grads, compute the loss, call backward, return the loss. */
export type Closure = () => Tensor | number;

/** Deep copy of a state value (typed arrays are copied, never shared). */
export function cloneState<V extends StateValue>(v: V): V {
  if (v instanceof Float32Array || v instanceof Float64Array) return v.slice() as V;
  if (Array.isArray(v)) return v.map((x) => cloneState(x)) as V;
  return v;
}

function cloneRecord<R extends object>(r: R): R {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, cloneState(v as StateValue)])) as R;
}

/** Calls a closure with gradients enabled and returns its loss as a number. */
export function evalClosure(name: string, closure: Closure): number {
  const loss = enableGrad(closure);
  if (typeof loss === 'number') return loss;
  if (!(loss instanceof Tensor)) throw new TypeError(`${name}: the closure must return the loss (a Tensor or a number)`);
  if (loss.size !== 1) throw new Error(`${name}: the closure returned a loss of shape ${fmt(loss.shape)}; expected one element`);
  return loss.data[0];
}

export abstract class Optimizer<H extends object> {
  readonly paramGroups: ParamGroup<H>[] = [];
  /** Per-parameter state (torch's optimizer.state), keyed by the parameter tensor. */
  readonly state = new Map<Tensor, ParamState>();
  readonly defaults: Readonly<Partial<H>>;
  protected readonly name: string;

  /** defaults lists every hyper-parameter (undefined = required, like torch's `required`). */
  protected constructor(name: string, params: ParamsArg<H>, defaults: { [K in keyof H]: H[K] | undefined }, options: Partial<H>) {
    this.name = name;
    if (typeof options !== 'object' || options === null) throw new TypeError(`${name}: options must be an object`);
    const merged: Record<string, unknown> = { ...defaults };
    for (const [k, v] of Object.entries(options)) {
      if (!(k in defaults)) throw new TypeError(`${name}: unknown option '${k}' (known: ${Object.keys(defaults).join(', ')})`);
      if (v !== undefined) merged[k] = v;
    }
    this.defaults = Object.freeze(merged as Partial<H>);
    if (params instanceof Tensor) throw new TypeError(`${name}: params must be a list of Tensors or of param groups, got a single Tensor`);
    const list = [...(params as Iterable<Tensor | ParamGroupInput<H>>)];
    if (list.length === 0) throw new Error(`${name}: optimizer got an empty parameter list`);
    const groups = list.every((p) => p instanceof Tensor)
      ? [{ params: list as Tensor[] } as unknown as ParamGroupInput<H>]
      : (list as ParamGroupInput<H>[]);
    for (const g of groups) this.addParamGroup(g);
  }

  /** Adds a group (torch's add_param_group): hyper-parameters missing from it come from the defaults. */
  addParamGroup(group: ParamGroupInput<H>): void {
    if (group instanceof Tensor || typeof group !== 'object' || group === null || !('params' in group)) {
      throw new TypeError(`${this.name}: a param group must be an object { params: Tensor[], ...hyper-parameters }`);
    }
    const params = group.params instanceof Tensor ? [group.params] : [...group.params];
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    for (const [i, p] of params.entries()) {
      if (!(p instanceof Tensor)) throw new TypeError(`${this.name}: parameter ${i} of a group is not a Tensor`);
      if (!p.isLeaf) throw new Error(`${this.name}: can't optimize a non-leaf Tensor (parameter ${i}, shape ${fmt(p.shape)})`);
      if (seen.has(p)) throw new Error(`${this.name}: some parameters appear in more than one parameter group (parameter ${i}, shape ${fmt(p.shape)})`);
      seen.add(p);
    }
    const hyper: Record<string, unknown> = { ...this.defaults };
    for (const [k, v] of Object.entries(group)) {
      if (k === 'params') continue;
      if (!(k in this.defaults)) throw new TypeError(`${this.name}: unknown hyper-parameter '${k}' (known: ${Object.keys(this.defaults).join(', ')})`);
      if (v !== undefined) hyper[k] = v;
    }
    for (const [k, v] of Object.entries(hyper)) {
      if (v === undefined) throw new TypeError(`${this.name}: parameter group didn't specify a value of required optimization parameter ${k}`);
    }
    this.validate(hyper as H);
    this.paramGroups.push({ ...(hyper as H), params });
  }

  /** Throws a RangeError naming the optimizer and the hyper-parameter when a value is invalid. */
  protected abstract validate(hyper: H): void;

  /** Checks one parameter's loaded state (buffer sizes); throws with a clear message. */
  protected validateState(_param: Tensor, _state: ParamState, _index: number): void {}

  abstract step(closure?: Closure): number | null;

  /** Sets every parameter's grad to null (setToNone, torch 2's default) or to zeros. */
  zeroGrad(setToNone = true): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (p.grad === null) continue;
        p.grad = setToNone ? null : Tensor.zeros(p.shape);
      }
    }
  }

  /** The gradient of p as a Float32Array of p's size, or null when p has no gradient. */
  protected gradOf(p: Tensor): Float32Array | null {
    if (p.grad === null) return null;
    if (!shapeEq(p.grad.shape, p.shape)) {
      throw new Error(`${this.name}: gradient of shape ${fmt(p.grad.shape)} does not match parameter of shape ${fmt(p.shape)}`);
    }
    return p.grad.data;
  }

  /** A snapshot of the optimizer (state buffers are copied). */
  stateDict(): OptimizerStateDict<H> {
    const index = new Map<Tensor, number>();
    const param_groups = this.paramGroups.map((g) => {
      const { params, ...hyper } = g;
      const ids = params.map((p) => {
        index.set(p, index.size);
        return index.size - 1;
      });
      return { ...(cloneRecord(hyper) as H), params: ids };
    });
    const state: Record<string, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      state[String(i)] = cloneRecord(s);
    }
    return { state, param_groups };
  }

  /** Restores a stateDict(): hyper-parameters and state; the parameters stay this optimizer's own. */
  loadStateDict(loaded: OptimizerStateDict<H> | OptimizerStateDict<Record<string, unknown>>): void {
    const sd = loaded as OptimizerStateDict<H>;
    if (typeof sd !== 'object' || sd === null || !Array.isArray(sd.param_groups) || typeof sd.state !== 'object' || sd.state === null) {
      throw new TypeError(`${this.name}.loadStateDict: expected { state, param_groups }`);
    }
    if (sd.param_groups.length !== this.paramGroups.length) {
      throw new Error(`${this.name}.loadStateDict: loaded state dict has ${sd.param_groups.length} parameter groups, the optimizer has ${this.paramGroups.length}`);
    }
    const byIndex = new Map<number, Tensor>();
    const newGroups = sd.param_groups.map((saved, gi) => {
      const own = this.paramGroups[gi];
      if (!Array.isArray(saved.params) || saved.params.length !== own.params.length) {
        throw new Error(`${this.name}.loadStateDict: parameter group ${gi} has ${saved.params?.length} parameters in the state dict, ${own.params.length} in the optimizer`);
      }
      saved.params.forEach((id, j) => byIndex.set(id, own.params[j]));
      const { params: _ids, ...hyper } = saved;
      for (const k of Object.keys(hyper)) {
        if (!(k in this.defaults)) throw new Error(`${this.name}.loadStateDict: parameter group ${gi} has unknown hyper-parameter '${k}'`);
      }
      const merged = { ...own, ...(cloneRecord(hyper) as H), params: own.params };
      this.validate(merged);
      return merged;
    });
    const newState = new Map<Tensor, ParamState>();
    for (const [key, s] of Object.entries(sd.state)) {
      const p = byIndex.get(Number(key));
      if (p === undefined) throw new Error(`${this.name}.loadStateDict: state for parameter index ${key}, which no parameter group lists`);
      const copy = cloneRecord(s);
      this.validateState(p, copy, Number(key));
      newState.set(p, copy);
    }
    this.paramGroups.splice(0, this.paramGroups.length, ...newGroups);
    this.state.clear();
    for (const [p, s] of newState) this.state.set(p, s);
  }
}

/** RangeError unless v is a finite number ≥ 0 (or > 0 when strict). */
export function checkNonNegative(name: string, key: string, v: unknown, strict = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (strict && v === 0)) {
    throw new RangeError(`${name}: invalid ${key} ${JSON.stringify(v) ?? String(v)} (must be a finite number ${strict ? '> 0' : '≥ 0'})`);
  }
}

/** Checks that a state buffer exists with the expected length. */
export function checkBuffer(name: string, index: number, key: string, v: StateValue | undefined, n: number, optional = false): void {
  if (v === undefined && optional) return;
  if (!(v instanceof Float32Array) || v.length !== n) {
    const got = v instanceof Float32Array || v instanceof Float64Array ? `${v.constructor.name}(${v.length})` : JSON.stringify(v);
    throw new Error(`${name}.loadStateDict: state of parameter ${index}: '${key}' must be a Float32Array of ${n} values, got ${got}`);
  }
}
