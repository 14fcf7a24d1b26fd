import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../src/tensor.js';
import { F } from '../src/ops/index.js';
import { grad, noGrad } from '../src/autograd.js';

test('gradients accumulate across backward calls and reach only leaves that require grad', () => {
  const x = Tensor.from([1, 2, 3], undefined, { requiresGrad: true });
  const c = Tensor.from([4, 5, 6]);
  F.sum(F.mul(x, c)).backward();
  F.sum(F.mul(x, c)).backward();
  assert.deepEqual(Array.from(x.grad!.data), [8, 10, 12]);
  assert.equal(c.grad, null);
});

test('a tensor used twice gets the sum of both paths', () => {
  const x = Tensor.from([3], undefined, { requiresGrad: true });
  F.sum(F.add(F.mul(x, x), x)).backward(); // d/dx (x² + x) = 2x + 1
  assert.equal(x.grad!.item(), 7);
});

test('noGrad records nothing; detach cuts the graph', () => {
  const x = Tensor.from([1, 2], undefined, { requiresGrad: true });
  const y = noGrad(() => F.mul(x, 2));
  assert.equal(y.requiresGrad, false);
  assert.equal(y._ctx, null);
  const z = F.mul(x, 2).detach();
  assert.equal(z.requiresGrad, false);
  assert.throws(() => F.sum(z).backward(), /does not require grad/);
});

test('backward releases the graph unless retainGraph; a second pass names the problem', () => {
  const x = Tensor.from([1, 2], undefined, { requiresGrad: true });
  const l = F.sum(F.mul(F.exp(x), 2));
  l.backward(undefined, { retainGraph: true });
  l.backward();
  assert.ok(Math.abs(x.grad!.data[0] - 4 * Math.E) < 1e-5);
  assert.throws(() => l.backward(), /already released/);
});

test('higher-order gradients: d²/dx² of x³ is 6x, and grad of a gradient norm (WGAN-GP shape)', () => {
  const x = Tensor.from([0.5, -2], undefined, { requiresGrad: true });
  const [g] = grad(F.sum(F.pow(x, { exponent: 3 })), [x], { createGraph: true });
  assert.deepEqual(Array.from(g!.data), [0.75, 12]);
  const [h] = grad(F.sum(g!), [x]);
  assert.deepEqual(Array.from(h!.data), [3, -12]);
  // penalty = (‖∂(w·x²)/∂x‖² ) → ∂/∂w = ∂/∂w Σ (2wx)² = 8w Σx²
  const w = Tensor.from([1.5], undefined, { requiresGrad: true });
  const xs = Tensor.from([1, 2], undefined, { requiresGrad: true });
  const [gx] = grad(F.sum(F.mul(F.mul(xs, xs), w)), [xs], { createGraph: true });
  F.sum(F.mul(gx!, gx!)).backward();
  assert.ok(Math.abs(w.grad!.item() - 8 * 1.5 * 5) < 1e-4);
});

test('grad() does not touch .grad and reports unused inputs', () => {
  const x = Tensor.from([1, 2], undefined, { requiresGrad: true });
  const u = Tensor.from([1], undefined, { requiresGrad: true });
  const [gx] = grad(F.sum(F.mul(x, x)), [x]);
  assert.deepEqual(Array.from(gx!.data), [2, 4]);
  assert.equal(x.grad, null);
  assert.throws(() => grad(F.sum(F.mul(x, x)), [u]), /not used/);
  assert.deepEqual(grad(F.sum(F.mul(x, x)), [u], { allowUnused: true }), [null]);
});

test('deep graphs do not overflow the stack', () => {
  let x = Tensor.from([1], undefined, { requiresGrad: true });
  const leaf = x;
  for (let i = 0; i < 20000; i++) x = F.add(x, 1e-4);
  F.sum(x).backward();
  assert.equal(leaf.grad!.item(), 1);
});

test('wrong input gets errors that name the op and the shapes', () => {
  assert.throws(() => F.add(Tensor.zeros([2, 3]), Tensor.zeros([4])), /add: shapes \[2, 3\] and \[4\] cannot be broadcast/);
  assert.throws(() => F.matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 5])), /matmul: shapes \[2, 3\] and \[4, 5\] do not chain/);
  assert.throws(() => Tensor.zeros([2, -1]), /invalid shape \[2, -1\]/);
  assert.throws(() => F.leaky_relu(Tensor.zeros([2]), { negative_slope: Number.NaN }), /leaky_relu: negative_slope must be finite/);
  assert.throws(() => F.reshape(Tensor.zeros([2, 3]), { shape: [4, -1] }), /reshape: cannot reshape \[2, 3\]/);
  assert.throws(() => F.sum(Tensor.zeros([2, 3]), { dim: [2] }), /sum: dim 2 is out of range/);
  assert.throws(() => F.relu(Tensor.zeros([2]), { slope: 1 } as never), /relu: unknown attribute 'slope'/);
});

test('backward rules are told which inputs need a gradient (grad() prunes to the requested inputs)', async () => {
  const { defineOp } = await import('../src/ops/op.js');
  const seen: Record<string, boolean>[] = [];
  const spy = defineOp({
    name: 'spy_mul',
    inputs: ['a', 'b'],
    attrs: {},
    forward: ({ a, b }) => F.mul(a, b),
    backward: (dy, { needs, inputs: { a, b } }) => {
      seen.push({ ...needs });
      return { a: needs.a ? F.mul(dy, b!) : null, b: needs.b ? F.mul(dy, a!) : null };
    },
  });
  const a = Tensor.from([1, 2], undefined, { requiresGrad: true });
  const w = Tensor.from([3, 4], undefined, { requiresGrad: true });
  const [ga] = grad(F.sum(spy(a, w)), [a]);
  assert.deepEqual(Array.from(ga!.data), [3, 4]);
  assert.deepEqual(seen.pop(), { a: true, b: false });
  F.sum(spy(a, w)).backward();
  assert.deepEqual(seen.pop(), { a: true, b: true });
  F.sum(spy(a, w.detach())).backward();
  assert.deepEqual(seen.pop(), { a: true, b: false });
});
