// The optimizer cases of the PyTorch golden suite (adam/*, sgd/*, lbfgs/*; FORMAT.md §5-6) driven
// through this project's classes directly, with the manifest's tolerances and the oracle pass rule.
// Also checks the suite is sharp enough to catch wrong hyper-parameters (history_size ± 1, no line search).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Tensor } from '../../src/tensor.js';
import { noGrad } from '../../src/autograd.js';
import { Adam, LBFGS, SGD, quadratic, rosenbrock } from '../../src/optim/index.js';
import { compareTensor } from '../../src/io/oracle.js';
import { readSafetensorsFile } from '../../src/node/files.js';
import { needsShared, sharedDir } from '../helpers/shared.js';

interface Case {
  id: string;
  op: string;
  attrs: Record<string, any>;
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  tol: { rtol: number; atol: number };
}

function load(): { cases: Case[]; get: (n: string) => Tensor } {
  const dir = path.join(sharedDir, 'oracle');
  const manifest = JSON.parse(readFileSync(path.join(dir, 'ops.json'), 'utf8'));
  const { tensors } = readSafetensorsFile(path.join(dir, manifest.tensors));
  const get = (n: string) => {
    const t = tensors.get(n);
    assert.ok(t, `missing tensor ${n}`);
    return t;
  };
  return { cases: (manifest.cases as Case[]).filter((c) => ['adam', 'sgd', 'lbfgs'].includes(c.op)), get };
}

const snap = (t: Tensor) => new Tensor(t.data.slice(), t.shape);

/** Runs one case with this project's optimizers; `tweak` may alter the attributes (sharpness checks). */
function run(c: Case, get: (n: string) => Tensor, tweak: Record<string, unknown> = {}): Map<string, Tensor> {
  const a = { ...c.attrs, ...tweak };
  const out = new Map<string, Tensor>();
  const param = new Tensor(get(c.inputs.param).data.slice(), get(c.inputs.param).shape, true);
  if (c.op === 'adam' || c.op === 'sgd') {
    const opt = c.op === 'adam'
      ? new Adam([param], { lr: a.lr, betas: a.betas, eps: a.eps, weight_decay: a.weight_decay, amsgrad: a.amsgrad })
      : new SGD([param], { lr: a.lr, momentum: a.momentum, dampening: a.dampening, weight_decay: a.weight_decay, nesterov: a.nesterov });
    for (let i = 1; `grad_${i}` in c.inputs; i++) {
      param.grad = get(c.inputs[`grad_${i}`]);
      opt.step();
      out.set(`param_after_${i}`, snap(param));
    }
    return out;
  }
  const f = a.objective === 'quadratic' ? quadratic(get(c.inputs.A), get(c.inputs.b)) : rosenbrock(a.alpha);
  const opt = new LBFGS([param], {
    lr: a.lr, max_iter: a.max_iter, max_eval: a.max_eval, tolerance_grad: a.tolerance_grad,
    tolerance_change: a.tolerance_change, history_size: a.history_size, line_search_fn: a.line_search_fn,
  });
  const closure = () => {
    opt.zeroGrad();
    const loss = f(param);
    loss.backward();
    return loss;
  };
  for (let i = 1; i <= a.steps; i++) {
    const before = noGrad(() => f(param)).item();
    const returned = opt.step(closure);
    assert.equal(returned, before, `${c.id}: step() returns the loss at the start of the call`);
    out.set(`param_after_${i}`, snap(param));
    out.set(`loss_after_${i}`, noGrad(() => f(param)));
  }
  return out;
}

function failures(c: Case, get: (n: string) => Tensor, got: Map<string, Tensor>): string[] {
  const bad: string[] = [];
  for (const [k, name] of Object.entries(c.outputs)) {
    const why = compareTensor(got.get(k), get(name), c.tol);
    if (why !== null) bad.push(`${c.id} ${k}: ${why}`);
  }
  return bad;
}

test('optimizer oracle cases: all 14 pass (adam, sgd, lbfgs)', { skip: needsShared }, () => {
  const { cases, get } = load();
  assert.equal(cases.length, 14);
  assert.deepEqual([...new Set(cases.map((c) => c.op))].sort(), ['adam', 'lbfgs', 'sgd']);
  const bad = cases.flatMap((c) => failures(c, get, run(c, get)));
  assert.deepEqual(bad, []);
});

test('optimizer oracle cases catch wrong settings', { skip: needsShared }, () => {
  const { cases, get } = load();
  const fails = (op: string, tweak: (c: Case) => Record<string, unknown>) =>
    cases.filter((c) => c.op === op).some((c) => failures(c, get, run(c, get, tweak(c))).length > 0);
  assert.ok(fails('lbfgs', (c) => ({ history_size: c.attrs.history_size + 1 })), 'history_size + 1 must fail');
  assert.ok(fails('lbfgs', (c) => ({ history_size: c.attrs.history_size - 1 })), 'history_size − 1 must fail');
  assert.ok(fails('lbfgs', () => ({ line_search_fn: null })), 'no line search must fail');
  assert.ok(fails('lbfgs', (c) => ({ max_eval: c.attrs.max_eval + 1 })), 'max_eval + 1 must fail');
  assert.ok(fails('adam', () => ({ amsgrad: false })), 'amsgrad off must fail');
  assert.ok(fails('adam', (c) => ({ eps: c.attrs.eps * 10 })), 'eps × 10 must fail');
  assert.ok(fails('sgd', (c) => ({ dampening: 0, nesterov: c.attrs.nesterov })), 'dampening ignored must fail');
  assert.ok(fails('sgd', (c) => ({ weight_decay: 0 })), 'weight decay ignored must fail');
});
