// L-BFGS (torch.optim.LBFGS semantics): the line-search helpers on known functions, convergence on
// a quadratic, several parameters behaving as one flat vector, closure evaluation counts, the
// max_eval default, state across step() calls and exact resume from a stateDict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor.js';
import { LBFGS, cubicInterpolate, strongWolfe, quadratic, rosenbrock, serializeOptimizerState, parseOptimizerState } from '../../src/optim/index.js';

// A = [[4, 1], [1, 3]], b = [1, 2]: minimiser A⁻¹b = [1/11, 7/11].
const A = Tensor.from([[4, 1], [1, 3]]);
const b = Tensor.from([1, 2]);

function setup(opts: ConstructorParameters<typeof LBFGS>[1], f = quadratic(A, b), init = [2, -3]) {
  const p = new Tensor(Float32Array.from(init), [init.length], true);
  const opt = new LBFGS([p], opts);
  let evals = 0;
  const closure = () => {
    evals++;
    opt.zeroGrad();
    const l = f(p);
    l.backward();
    return l;
  };
  return { p, opt, closure, evals: () => evals };
}

test('cubicInterpolate finds the minimiser of a cubic/quadratic and clamps to the bounds', () => {
  // f = (x − 2)²: f(0) = 4, f'(0) = −4; f(3) = 1, f'(3) = 2
  assert.ok(Math.abs(cubicInterpolate(0, 4, -4, 3, 1, 2) - 2) < 1e-12);
  assert.ok(Math.abs(cubicInterpolate(3, 1, 2, 0, 4, -4) - 2) < 1e-12, 'argument order does not matter');
  // f = x³ − 3x: local minimum at 1; points 0 (f 0, f' −3) and 2 (f 2, f' 9)
  assert.ok(Math.abs(cubicInterpolate(0, 0, -3, 2, 2, 9) - 1) < 1e-12);
  assert.equal(cubicInterpolate(0, 4, -4, 3, 1, 2, 2.5, 10), 2.5, 'clamped to lo');
  // no real minimiser (d1² < g1·g2) → midpoint of the bounds
  assert.equal(cubicInterpolate(0, 0, 1, 1, 2 / 3, 1, 0, 4), 2);
});

test('strongWolfe returns a step meeting the strong Wolfe conditions', () => {
  // f(t) along d = 1 from x = 0: f = (x − 5)², extrapolates from t = 0.1
  const d = Float64Array.of(1);
  const evaluate = (t: number): [number, Float64Array] => [(t - 5) ** 2, Float64Array.of(2 * (t - 5))];
  const [f0, g0] = evaluate(0);
  const gtd0 = g0[0];
  const [f, g, t, evals] = strongWolfe(evaluate, 0.1, d, f0, g0, gtd0);
  assert.ok(f <= f0 + 1e-4 * t * gtd0, 'sufficient decrease');
  assert.ok(Math.abs(g[0]) <= 0.9 * Math.abs(gtd0), 'curvature');
  assert.equal(f, evaluate(t)[0]);
  assert.ok(evals >= 2, 'had to extrapolate');
  // overshoot: t = 100 forces the zoom phase
  const z = strongWolfe(evaluate, 100, d, f0, g0, gtd0);
  assert.ok(z[0] <= f0 + 1e-4 * z[2] * gtd0 && Math.abs(z[1][0]) <= 0.9 * Math.abs(gtd0));
});

test('converges on a quadratic (both line-search modes) and returns the loss at the start of step()', () => {
  for (const line_search_fn of [null, 'strong_wolfe'] as const) {
    const { p, opt, closure } = setup({ line_search_fn, max_iter: 50 });
    const first = opt.step(closure);
    assert.equal(first, quadratic(A, b)(Tensor.from([2, -3])).item());
    assert.ok(Math.abs(p.data[0] - 1 / 11) < 1e-5 && Math.abs(p.data[1] - 7 / 11) < 1e-5, `${line_search_fn}: ${p.data}`);
  }
});

test('closure evaluations: max_iter without line search, max_eval stop, max_eval default', () => {
  const r = setup({ max_iter: 5, tolerance_change: 0, tolerance_grad: 0 }, rosenbrock(10), [-1, 1.5, 0.3, 0.2]);
  r.opt.step(r.closure);
  assert.equal(r.evals(), 5, '1 initial + one per iteration except the last');
  assert.equal(r.opt.state.get(r.p)!.n_iter, 5);
  const e = setup({ max_iter: 10, max_eval: 3, tolerance_change: 0, tolerance_grad: 0 }, rosenbrock(10), [-1, 1.5, 0.3, 0.2]);
  e.opt.step(e.closure);
  assert.equal(e.evals(), 3);
  assert.equal(new LBFGS([new Tensor(new Float32Array(1), [1], true)], { max_iter: 7 }).paramGroups[0].max_eval, 8);
  assert.equal(new LBFGS([new Tensor(new Float32Array(1), [1], true)]).paramGroups[0].max_eval, 25);
});

test('several parameters act as one flat vector', () => {
  const f = rosenbrock(10);
  const init = [-1.2, 1, 0.5, -0.4];
  const one = setup({ max_iter: 4, line_search_fn: 'strong_wolfe' }, f, init);
  one.opt.step(one.closure);
  one.opt.step(one.closure);
  const p1 = new Tensor(Float32Array.from(init.slice(0, 2)), [2], true);
  const p2 = new Tensor(Float32Array.from(init.slice(2)), [1, 2], true);
  const opt = new LBFGS([p1, p2], { max_iter: 4, line_search_fn: 'strong_wolfe' });
  const closure = () => {
    opt.zeroGrad();
    const l = f(p1).add(f(p2.reshape(2)));
    l.backward();
    return l;
  };
  opt.step(closure);
  opt.step(closure);
  assert.deepEqual([...p1.data, ...p2.data], [...one.p.data]);
  assert.deepEqual(Object.keys(opt.stateDict().state), ['0'], 'state lives on the first parameter, as in torch');
});

test('stops immediately at a stationary point; validates options and the closure', () => {
  const { p, opt, closure, evals } = setup({}, quadratic(A, b), [1 / 11, 7 / 11]);
  const before = Array.from(p.data);
  opt.step(closure);
  assert.equal(evals(), 1);
  assert.ok(Array.from(p.data).every((v, i) => Math.abs(v - before[i]) < 1e-6));
  const q = () => [new Tensor(new Float32Array(2), [2], true)];
  assert.throws(() => new LBFGS(q(), { line_search_fn: 'armijo' as never }), /only 'strong_wolfe'/);
  assert.throws(() => new LBFGS(q(), { history_size: 0 }), /history_size must be a positive integer/);
  assert.throws(() => new LBFGS(q(), { max_iter: 2.5 }), /max_iter/);
  assert.throws(() => new LBFGS(q(), { lr: -1 }), /LBFGS: invalid learning rate/);
  assert.throws(() => new LBFGS([{ params: q() }, { params: q() }]), /parameter groups/);
  assert.throws(() => (opt.step as (c?: unknown) => number)(), /closure is required/);
  assert.throws(() => opt.step(() => Tensor.from([1, 2])), /loss of shape \[2\]/);
});

test('state persists across step() calls and a stateDict resumes exactly (also through bytes)', () => {
  const f = rosenbrock(10);
  const init = [-1.2, 1, 0.5, -0.4];
  const opts = { max_iter: 3, history_size: 2, line_search_fn: 'strong_wolfe' as const };
  const a = setup(opts, f, init);
  a.opt.step(a.closure);
  a.opt.step(a.closure);
  const sd = parseOptimizerState(serializeOptimizerState(a.opt.stateDict()));
  assert.equal((sd.state["0"].old_dirs as Float32Array[]).length, 2, 'history wrapped at history_size');
  const b = setup(opts, f, Array.from(a.p.data));
  b.opt.loadStateDict(sd);
  for (let k = 0; k < 3; k++) {
    a.opt.step(a.closure);
    b.opt.step(b.closure);
  }
  assert.deepEqual(b.p.data, a.p.data);
  // without the state the continuation differs (first-step scaling and history restart)
  const fresh = setup(opts, f, init);
  fresh.opt.step(fresh.closure);
  fresh.opt.step(fresh.closure);
  const restart = setup(opts, f, Array.from(fresh.p.data));
  for (let k = 0; k < 3; k++) {
    fresh.opt.step(fresh.closure);
    restart.opt.step(restart.closure);
  }
  assert.notDeepEqual(restart.p.data, fresh.p.data);
  assert.throws(() => new LBFGS([new Tensor(new Float32Array(6), [6], true)], opts).loadStateDict(sd), /Float32Array of 6 values/);
});
