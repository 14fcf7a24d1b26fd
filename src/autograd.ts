// Define-by-run reverse-mode autograd (micrograd's shape): every op result that needs a gradient
// carries a Node {op, inputs, saved, attrs}; backward() walks the graph in reverse topological
// order. Backward rules are written in ops, so with createGraph the gradient computation is itself
// recorded and can be differentiated again (gradient penalties need ∂/∂θ of ‖∂D/∂x‖).
import { Tensor } from './tensor.js';
import { opsTable } from './ops_ref.js';
import { fmt, shapeEq } from './shape.js';

export interface GradFn {
  name: string;
  /** Returns the gradient of L = Σ out ⊙ dy for each input name that `needs` one (null or absent: none). */
  backward(dy: Tensor, node: Node, needs: Record<string, boolean>): Record<string, Tensor | null | undefined>;
}

export interface Node {
  fn: GradFn;
  inputs: Record<string, Tensor | undefined>;
  saved: Record<string, unknown> | null;
  attrs: Record<string, unknown>;
  released: boolean;
}

let gradDisabled = 0;

export function isGradEnabled(): boolean {
  return gradDisabled === 0;
}

/** Runs fn without recording a graph (torch.no_grad()). */
export function noGrad<T>(fn: () => T): T {
  gradDisabled++;
  try {
    return fn();
  } finally {
    gradDisabled--;
  }
}

/** Runs fn with recording on, even inside noGrad (torch.enable_grad()). */
export function enableGrad<T>(fn: () => T): T {
  const saved = gradDisabled;
  gradDisabled = 0;
  try {
    return fn();
  } finally {
    gradDisabled = saved;
  }
}

export interface BackwardOptions {
  /** Keep saved tensors so backward can run through this graph again (default: createGraph, as torch). */
  retainGraph?: boolean;
  /** Record the gradient computation so gradients can be differentiated again. */
  createGraph?: boolean;
}

// Iterative DFS (no recursion limit on long graphs); returns nodes' outputs in topological order.
function topoOrder(roots: Tensor[]): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, boolean][] = roots.map((r) => [r, false]);
  while (stack.length > 0) {
    const [t, expanded] = stack.pop()!;
    if (expanded) {
      order.push(t);
      continue;
    }
    if (seen.has(t)) continue;
    seen.add(t);
    stack.push([t, true]);
    const node = t._ctx;
    if (node === null) continue;
    if (node.released) {
      throw new Error(`backward: the graph through ${node.fn.name} was already released by an earlier backward(); pass { retainGraph: true } to the first call`);
    }
    for (const inp of Object.values(node.inputs)) if (inp !== undefined && inp.requiresGrad && !seen.has(inp)) stack.push([inp, false]);
  }
  return order;
}

/**
 * Gradients of Σ_i Σ(roots[i] ⊙ rootGrads[i]) with respect to every tensor of the graph that
 * requires a gradient. Returns the map tensor → gradient for leaves and (if keepAll) intermediates.
 */
function propagate(roots: Tensor[], rootGrads: Tensor[], opts: BackwardOptions, targets?: Tensor[]): Map<Tensor, Tensor> {
  const { add } = opsTable();
  const retain = opts.retainGraph ?? opts.createGraph ?? false;
  const order = topoOrder(roots);
  // grad(outputs, inputs): only tensors that depend on a requested input need a gradient, so a
  // backward rule is told which of its inputs need one (torch's needs_input_grad); a gradient
  // penalty's ∂D/∂x then computes no weight gradients of D.
  let needed: Set<Tensor> | null = null;
  if (targets !== undefined) {
    const set = new Set<Tensor>(targets);
    for (const t of order) {
      if (t._ctx !== null && Object.values(t._ctx.inputs).some((i) => i !== undefined && set.has(i))) set.add(t);
    }
    needed = set;
  }
  const grads = new Map<Tensor, Tensor>();
  const accumulate = (t: Tensor, g: Tensor): void => {
    const prev = grads.get(t);
    grads.set(t, prev === undefined ? g : add(prev, g));
  };
  const run = (): void => {
    roots.forEach((r, i) => accumulate(r, rootGrads[i]));
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const node = t._ctx;
      const dy = grads.get(t);
      if (node === null || dy === undefined) continue;
      const needs: Record<string, boolean> = {};
      let any = false;
      for (const [name, inp] of Object.entries(node.inputs)) {
        needs[name] = inp !== undefined && inp.requiresGrad && (needed === null || needed.has(inp));
        any ||= needs[name];
      }
      if (!any) continue;
      const inGrads = node.fn.backward(dy, node, needs);
      for (const [name, inp] of Object.entries(node.inputs)) {
        if (inp === undefined || !needs[name]) continue;
        const g = inGrads[name];
        if (g === null || g === undefined) continue;
        if (!shapeEq(g.shape, inp.shape)) {
          throw new Error(`${node.fn.name} backward: gradient for '${name}' has shape ${fmt(g.shape)}, expected ${fmt(inp.shape)}`);
        }
        accumulate(inp, g);
      }
      if (!retain) {
        node.saved = null;
        node.released = true;
      }
    }
  };
  if (opts.createGraph) enableGrad(run);
  else noGrad(run);
  return grads;
}

/** tensor.backward(): accumulates ∂root/∂leaf into leaf.grad for every leaf that requires grad. */
export function backward(root: Tensor, grad: Tensor | undefined, opts: BackwardOptions = {}): void {
  if (!root.requiresGrad) throw new Error('backward: tensor does not require grad and has no graph (was it computed under noGrad, or from tensors without requiresGrad?)');
  let g = grad;
  if (g === undefined) {
    if (root.size !== 1) throw new Error(`backward: grad can be implicitly created only for one-element outputs, got shape ${fmt(root.shape)}`);
    g = Tensor.onesLike(root);
  } else if (!shapeEq(g.shape, root.shape)) {
    throw new Error(`backward: gradient shape ${fmt(g.shape)} does not match tensor shape ${fmt(root.shape)}`);
  }
  const grads = propagate([root], [g], opts);
  const { add } = opsTable();
  for (const [t, tg] of grads) {
    if (t._ctx !== null) continue;
    const leafGrad = opts.createGraph ? tg : tg.detach();
    t.grad = t.grad === null ? leafGrad : (opts.createGraph ? add(t.grad, leafGrad) : noGrad(() => add(t.grad!, leafGrad)));
  }
}

export interface GradOptions extends BackwardOptions {
  gradOutputs?: Tensor[];
  /** Return null for inputs the outputs do not depend on instead of throwing. */
  allowUnused?: boolean;
}

/** torch.autograd.grad: gradients of outputs with respect to inputs, without touching .grad. */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor[], opts: GradOptions = {}): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const gouts = opts.gradOutputs ?? outs.map((o) => {
    if (o.size !== 1) throw new Error(`grad: gradOutputs is required for non-scalar output of shape ${fmt(o.shape)}`);
    return Tensor.onesLike(o);
  });
  for (const o of outs) if (!o.requiresGrad) throw new Error('grad: an output does not require grad');
  const grads = propagate(outs, gouts, opts, inputs);
  return inputs.map((inp, i) => {
    const g = grads.get(inp);
    if (g === undefined) {
      if (opts.allowUnused) return null;
      throw new Error(`grad: input ${i} (shape ${fmt(inp.shape)}) was not used to compute the outputs; pass allowUnused: true`);
    }
    return opts.createGraph ? g : g.detach();
  });
}

