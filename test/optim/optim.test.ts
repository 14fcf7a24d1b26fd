// SGD and Adam semantics (torch.optim) by hand-computed steps, plus the Optimizer base: param groups,
// validation, zeroGrad, skipped params, in-place updates, stateDict round trips that resume exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor.js';
import { Adam, SGD, serializeOptimizerState, parseOptimizerState, type OptimizerStateDict } from '../../src/optim/index.js';
import type { Optimizer } from '../../src/optim/optimizer.js';

const f32 = (xs: number[]) => Float32Array.from(xs);
const param = (xs: number[]) => new Tensor(f32(xs), [xs.length], true);
const setGrad = (p: Tensor, xs: number[]) => {
  p.grad = new Tensor(f32(xs), p.shape);
};
const close = (a: ArrayLike<number>, b: number[], tol = 1e-6, what = '') =>
  b.forEach((v, i) => assert.ok(Math.abs(a[i] - v) <= tol * Math.max(1, Math.abs(v)), `${what}[${i}]: ${a[i]} vs ${v}`));

test('SGD plain: p −= lr·(g + wd·p)', () => {
  const p = param([1, -2]);
  const opt = new SGD([p], { lr: 0.1, weight_decay: 0.5 });
  setGrad(p, [2, 4]);
  opt.step();
  close(p.data, [1 - 0.1 * (2 + 0.5), -2 - 0.1 * (4 - 1)]);
  assert.equal(opt.state.size, 0, 'no momentum buffer without momentum');
});

test('SGD momentum: first buf = g (no dampening), then momentum·buf + (1−dampening)·g; nesterov', () => {
  const run = (opts: { momentum: number; dampening?: number; nesterov?: boolean }) => {
    const p = param([0]);
    const opt = new SGD([p], { lr: 1, ...opts });
    const seen: number[] = [];
    for (const g of [1, 2, 3]) {
      setGrad(p, [g]);
      const before = p.data[0];
      opt.step();
      seen.push(before - p.data[0]);
    }
    return seen;
  };
  // buf: 1, 0.9·1 + 0.5·2 = 1.9, 0.9·1.9 + 0.5·3 = 3.21
  close(run({ momentum: 0.9, dampening: 0.5 }), [1, 1.9, 3.21]);
  // nesterov: step = g + m·buf, buf: 1, 2.9, 5.61
  close(run({ momentum: 0.9, nesterov: true }), [1 + 0.9, 2 + 0.9 * 2.9, 3 + 0.9 * 5.61]);
});

test('Adam: first step moves by lr·g/(|g|+eps); bias correction and eps outside the sqrt', () => {
  const p = param([1, 1, 1]);
  const opt = new Adam([p], { lr: 0.1, betas: [0.9, 0.99], eps: 0.5 });
  setGrad(p, [2, -0.25, 0]);
  opt.step();
  // m̂ = g, v̂ = g² after bias correction → p −= lr·g/(|g| + eps)
  close(p.data, [1 - 0.1 * 2 / 2.5, 1 + 0.1 * 0.25 / 0.75, 1]);
  // second step by the formula
  setGrad(p, [1, 1, 1]);
  const m = [0.9 * 0.2 + 0.1 * 1, 0.9 * -0.025 + 0.1, 0.1];
  const v = [0.99 * 0.04 + 0.01, 0.99 * 0.000625 + 0.01, 0.01];
  const before = Array.from(p.data);
  opt.step();
  close(p.data, before.map((x, i) => x - (0.1 / (1 - 0.81)) * m[i] / (Math.sqrt(v[i]) / Math.sqrt(1 - 0.99 ** 2) + 0.5)), 1e-6);
  assert.equal(opt.state.get(p)!.step, 2);
});

test('Adam amsgrad uses the running maximum of v; weight_decay is L2 added to the gradient', () => {
  const make = (amsgrad: boolean) => {
    const p = param([0.5]);
    const opt = new Adam([p], { lr: 0.01, betas: [0.5, 0.5], amsgrad, weight_decay: 0.1 });
    for (const g of [10, 0.1, 0.1]) {
      setGrad(p, [g]);
      opt.step();
    }
    return { p, opt };
  };
  const a = make(true), b = make(false);
  assert.notEqual(a.p.data[0], b.p.data[0]);
  const s = a.opt.state.get(a.p)!;
  assert.ok((s.max_exp_avg_sq as Float32Array)[0] > (s.exp_avg_sq as Float32Array)[0], 'vmax keeps the large early v');
  // reference for the amsgrad run, with g = grad + 0.1·p
  let p = 0.5, m = 0, v = 0, vmax = 0;
  [10, 0.1, 0.1].forEach((g0, i) => {
    const t = i + 1, g = g0 + 0.1 * p;
    m = 0.5 * m + 0.5 * g;
    v = 0.5 * v + 0.5 * g * g;
    vmax = Math.max(vmax, v);
    p -= (0.01 / (1 - 0.5 ** t)) * m / (Math.sqrt(vmax) / Math.sqrt(1 - 0.5 ** t) + 1e-8);
  });
  close(a.p.data, [p], 1e-6);
});

test('updates are in place: the Float32Array is kept, views sharing it see the change', () => {
  const p = param([1, 2]);
  const data = p.data;
  const view = new Tensor(p.data, [2, 1]);
  for (const opt of [new SGD([p], { lr: 1 }), new Adam([p], { lr: 1 })]) {
    setGrad(p, [1, 1]);
    opt.step();
    assert.equal(p.data, data);
    assert.equal(view.data[0], p.data[0]);
  }
  assert.ok(p.data[0] < 0);
});

test('params with a null grad are skipped; zeroGrad sets grads to null (or zeros)', () => {
  const a = param([1]), b = param([1]);
  const opt = new Adam([a, b], { lr: 0.1 });
  setGrad(a, [1]);
  opt.step();
  assert.equal(b.data[0], 1);
  assert.ok(!opt.state.has(b));
  assert.ok(a.data[0] < 1);
  opt.zeroGrad();
  assert.equal(a.grad, null);
  setGrad(a, [3]);
  opt.zeroGrad(false);
  assert.deepEqual(Array.from(a.grad!.data), [0]);
  assert.equal(b.grad, null);
});

test('param groups: per-group hyper-parameters override the defaults', () => {
  const a = param([1]), b = param([1]);
  const opt = new SGD([{ params: [a] }, { params: [b], lr: 0.5, momentum: 0.9 }], { lr: 0.1 });
  assert.equal(opt.paramGroups[1].lr, 0.5);
  assert.equal(opt.paramGroups[0].momentum, 0);
  setGrad(a, [1]);
  setGrad(b, [1]);
  opt.step();
  close(a.data, [0.9]);
  close(b.data, [0.5]);
  assert.ok(opt.state.has(b) && !opt.state.has(a));
});

test('validation: clear errors for bad hyper-parameters and params', () => {
  const p = () => [param([1])];
  assert.throws(() => new SGD(p(), { lr: -1 }), /SGD: invalid learning rate lr -1/);
  assert.throws(() => new SGD(p()), /required optimization parameter lr/);
  assert.throws(() => new SGD(p(), { lr: 0.1, nesterov: true }), /nesterov momentum requires a momentum > 0/);
  assert.throws(() => new SGD(p(), { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), /zero dampening/);
  assert.throws(() => new SGD(p(), { lr: NaN }), RangeError);
  assert.throws(() => new Adam(p(), { betas: [0.9, 1] }), /Adam: invalid beta parameter at index 1/);
  assert.throws(() => new Adam(p(), { betas: [-0.1, 0.9] }), /index 0/);
  assert.throws(() => new Adam(p(), { eps: -1e-8 }), /epsilon/);
  assert.throws(() => new Adam(p(), { weight_decay: Infinity }), /weight_decay/);
  assert.throws(() => new Adam(p(), { lr: 0.1, momentum: 0.9 } as never), /unknown option 'momentum'/);
  assert.throws(() => new Adam([]), /empty parameter list/);
  const x = param([1]);
  assert.throws(() => new Adam([x.mul(2)]), /non-leaf/);
  assert.throws(() => new Adam([{ params: [x] }, { params: [x] }]), /more than one parameter group/);
  const q = param([1, 2]);
  const opt = new Adam([q]);
  q.grad = new Tensor(f32([1, 2, 3]), [3]);
  assert.throws(() => opt.step(), /gradient of shape \[3\] does not match parameter of shape \[2\]/);
});

test('step(closure) returns the closure loss for SGD/Adam', () => {
  const p = param([3]);
  const opt = new SGD([p], { lr: 0.1 });
  const loss = opt.step(() => {
    opt.zeroGrad();
    const l = p.mul(p).sum();
    l.backward();
    return l;
  });
  assert.equal(loss, 9);
  close(p.data, [3 - 0.1 * 6]);
  assert.equal(opt.step(), null);
});

/** Trains two copies; the second is rebuilt from a stateDict (optionally through bytes) midway. */
function resumeIsExact(make: (ps: Tensor[]) => Optimizer<any>, viaBytes: boolean): void {
  const grads = Array.from({ length: 8 }, (_, k) => [[Math.sin(k + 1), Math.cos(3 * k)], [0.3 * k - 1]]);
  const ps = () => [param([0.5, -1.5]), param([2])];
  const a = ps();
  const optA = make(a);
  const run = (opt: Optimizer<any>, params: Tensor[], from: number, to: number) => {
    for (let k = from; k < to; k++) {
      params.forEach((p, j) => setGrad(p, grads[k][j]));
      opt.step();
    }
  };
  run(optA, a, 0, 4);
  let sd: OptimizerStateDict<any> = optA.stateDict();
  const json = JSON.stringify(sd, (_k, v) => (v instanceof Float32Array || v instanceof Float64Array ? Array.from(v) : v));
  assert.ok(json.includes('param_groups'));
  if (viaBytes) sd = parseOptimizerState(serializeOptimizerState(sd), 'ckpt.safetensors');
  const b = a.map((p) => new Tensor(p.data.slice(), p.shape, true));
  const optB = make(b.map((p) => p));
  // a fresh optimizer with different hyper-parameters: loadStateDict restores them
  optB.paramGroups[0].lr = 123;
  optB.loadStateDict(sd);
  run(optA, a, 4, 8);
  run(optB, b, 4, 8);
  a.forEach((p, j) => assert.deepEqual(b[j].data, p.data, `param ${j} resumes bit-exactly`));
}

test('stateDict/loadStateDict resume exactly (SGD momentum, Adam amsgrad), also through safetensors bytes', () => {
  for (const viaBytes of [false, true]) {
    resumeIsExact((ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.1, weight_decay: 0.01 }), viaBytes);
    resumeIsExact((ps) => new Adam(ps, { lr: 0.05, amsgrad: true, weight_decay: 0.1 }), viaBytes);
  }
});

test('stateDict is a snapshot in torch layout; loadStateDict checks what it loads', () => {
  const p = param([1, 2]);
  const opt = new Adam([p], { lr: 0.1 });
  setGrad(p, [1, 1]);
  opt.step();
  const sd = opt.stateDict();
  assert.deepEqual(Object.keys(sd.state), ['0']);
  assert.deepEqual(sd.param_groups[0].params, [0]);
  assert.deepEqual(sd.param_groups[0].betas, [0.9, 0.999]);
  assert.equal(sd.state['0'].step, 1);
  const m = Array.from(sd.state['0'].exp_avg as Float32Array);
  opt.step();
  assert.deepEqual(Array.from(sd.state['0'].exp_avg as Float32Array), m, 'later steps do not change a taken stateDict');

  const other = new Adam([param([1, 2]), param([3])]);
  assert.throws(() => other.loadStateDict(sd), /parameter group 0 has 1 parameters in the state dict, 2 in the optimizer/);
  const two = new Adam([{ params: [param([1, 2])] }, { params: [param([1])] }]);
  assert.throws(() => two.loadStateDict(sd), /1 parameter groups, the optimizer has 2/);
  const wrongSize = new Adam([param([1, 2, 3])]);
  assert.throws(() => wrongSize.loadStateDict(sd), /'exp_avg' must be a Float32Array of 3 values/);
  const bad = { ...sd, param_groups: [{ ...sd.param_groups[0], lr: -1 }] };
  assert.throws(() => new Adam([param([1, 2])]).loadStateDict(bad), /invalid learning rate/);
  const fresh = new Adam([param([1, 2])]);
  fresh.loadStateDict(sd);
  assert.equal(fresh.paramGroups[0].lr, 0.1);
  assert.notEqual(fresh.state.values().next().value!.exp_avg, sd.state['0'].exp_avg, 'loaded buffers are copies');
});

test('parseOptimizerState rejects files that are not optimizer state', () => {
  const bytes = serializeOptimizerState(new SGD([param([1])], { lr: 1 }).stateDict());
  assert.equal(parseOptimizerState(bytes).param_groups[0].lr, 1);
  const at = Buffer.from(bytes).indexOf('ganstyle-optim/1');
  assert.ok(at > 0);
  bytes[at + 'ganstyle-optim/'.length] = 'X'.charCodeAt(0);
  assert.throws(() => parseOptimizerState(bytes, 'x.safetensors'), /x\.safetensors: not an optimizer state file/);
});
