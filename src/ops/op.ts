// defineOp: one op = name + input names + torch-default attrs + forward + (optional) backward.
// - forward receives the inputs by name and the full attrs, and returns the output tensor (or
//   { out, saved } to hand values to backward). Primitive ops (with backward) run forward
//   without recording; composite ops (no backward) are written in other ops and are recorded
//   through them.
// - backward(dy, ctx) returns ∂L/∂input for L = Σ out ⊙ dy, keyed by input name, written in ops
//   (so it can be differentiated again under createGraph).
import { Tensor } from '../tensor.js';
import { isGradEnabled, noGrad, type Node } from '../autograd.js';

export interface BackwardCtx<I extends string, A> {
  inputs: { [K in I]: Tensor | undefined };
  saved: Record<string, any>;
  attrs: A;
  out: Tensor;
  /** Which inputs need a gradient (torch's needs_input_grad): skip the others' work. */
  needs: { [K in I]: boolean };
}

export interface OpSpec<R extends string, O extends string, A> {
  name: string;
  /** Required inputs, in torch's positional order. */
  inputs: readonly R[];
  /** Optional inputs after the required ones (absent = torch's None). */
  optional?: readonly O[];
  /** Every attribute with torch's default; unknown attribute names are rejected. */
  attrs: A;
  forward(inputs: { [K in R]: Tensor } & { [K in O]?: Tensor }, attrs: A): Tensor | { out: Tensor; saved: Record<string, any> };
  backward?(dy: Tensor, ctx: BackwardCtx<R | O, A>): Partial<Record<R | O, Tensor | null>>;
}

type Req<R extends readonly string[]> = { [K in keyof R]: Tensor | number };
// Optional inputs may stop at any position before the attrs: F.batch_norm(x, rm, rv, { training }).
type OptPrefix<O extends readonly string[]> = O extends readonly [string, ...infer Rest extends readonly string[]]
  ? [] | [Tensor | null | undefined, ...OptPrefix<Rest>]
  : [];

export type OpFn<R extends readonly string[], O extends readonly string[], A> = ((...args: [...Req<R>, ...OptPrefix<O>, Partial<A>?]) => Tensor) & {
  opName: string;
  spec: OpSpec<R[number], O[number], A>;
  /** Calls the op with inputs by name (the oracle's form). */
  run(inputs: Record<string, Tensor | undefined>, attrs?: Partial<A>): Tensor;
};

/** What the op table holds: every op, whatever its inputs and attrs. */
export interface AnyOp {
  opName: string;
  spec: OpSpec<string, string, any>;
  run(inputs: Record<string, Tensor | undefined>, attrs?: any): Tensor;
}

// Annotations for ops whose backward calls the op itself (TypeScript cannot infer those).
export type UnaryOp<A = {}> = OpFn<readonly ['x'], [], A>;
export type BinaryOp<A = {}> = OpFn<readonly ['a', 'b'], [], A>;

export function defineOp<const R extends readonly string[], const O extends readonly string[] = [], A extends object = {}>(spec: {
  name: string;
  inputs: R;
  optional?: O;
  attrs: A;
  forward(inputs: { [K in R[number]]: Tensor } & { [K in O[number]]?: Tensor }, attrs: A): Tensor | { out: Tensor; saved: Record<string, any> };
  backward?(dy: Tensor, ctx: BackwardCtx<R[number] | O[number], A>): Partial<Record<R[number] | O[number], Tensor | null>>;
}): OpFn<R, O, A> {
  const names: string[] = [...spec.inputs, ...(spec.optional ?? [])];
  const known = new Set(Object.keys(spec.attrs));
  const gradFn = spec.backward === undefined ? null : {
    name: spec.name,
    backward: (dy: Tensor, node: Node, needs: Record<string, boolean>) => {
      if (node.saved === null) throw new Error(`${spec.name} backward: saved values were released`);
      const out = node.saved.__out as Tensor;
      return spec.backward!(dy, { inputs: node.inputs as any, saved: node.saved, attrs: node.attrs as A, out, needs: needs as any }) as Record<string, Tensor | null>;
    },
  };

  const apply = (inputs: Record<string, Tensor | undefined>, attrs: Partial<A> = {}): Tensor => {
    for (const k of Object.keys(attrs)) {
      if (!known.has(k)) throw new TypeError(`${spec.name}: unknown attribute '${k}' (known: ${[...known].join(', ') || 'none'})`);
    }
    const full = { ...spec.attrs, ...attrs } as A;
    for (const r of spec.inputs) {
      if (!(inputs[r] instanceof Tensor)) throw new TypeError(`${spec.name}: input '${r}' must be a Tensor`);
    }
    for (const k of Object.keys(inputs)) {
      if (!names.includes(k)) throw new TypeError(`${spec.name}: unknown input '${k}' (inputs: ${names.join(', ')})`);
    }
    if (gradFn === null) return toOut(spec.forward(inputs as any, full));
    const record = isGradEnabled() && names.some((n) => inputs[n]?.requiresGrad);
    const res = noGrad(() => spec.forward(inputs as any, full));
    const out = toOut(res);
    if (record) {
      const saved = res instanceof Tensor ? {} : { ...res.saved };
      saved.__out = out;
      out.requiresGrad = true;
      out._ctx = { fn: gradFn, inputs: pick(inputs, names), saved, attrs: full as Record<string, unknown>, released: false };
    }
    return out;
  };

  const fn = ((...args: unknown[]) => {
    const inputs: Record<string, Tensor | undefined> = {};
    let i = 0;
    for (; i < names.length && i < args.length; i++) {
      const a = args[i];
      if (a === undefined || a === null) continue;
      if (typeof a === 'number') inputs[names[i]] = Tensor.scalar(a);
      else if (a instanceof Tensor) inputs[names[i]] = a;
      else break;
    }
    const attrs = args[i] as Partial<A> | undefined;
    if (args.length > i + 1) throw new TypeError(`${spec.name}: expected at most ${names.length} tensors and an attrs object, got ${args.length} arguments`);
    if (attrs !== undefined && (typeof attrs !== 'object' || attrs === null)) throw new TypeError(`${spec.name}: argument ${i} must be a Tensor or an attrs object`);
    return apply(inputs, attrs);
  }) as unknown as OpFn<R, O, A>;
  fn.opName = spec.name;
  fn.spec = spec as any;
  fn.run = apply as any;
  return fn;
}

function toOut(r: Tensor | { out: Tensor }): Tensor {
  return r instanceof Tensor ? r : r.out;
}

function pick(inputs: Record<string, Tensor | undefined>, names: string[]): Record<string, Tensor | undefined> {
  const o: Record<string, Tensor | undefined> = {};
  for (const n of names) o[n] = inputs[n];
  return o;
}
