// max_pool2d, avg_pool2d, reflection_pad2d, upsample_nearest2d: hand-computed semantics where torch's
// rules are subtle (−inf padding, the ceil_mode cut, avg divisors, reflected edges), gradients that
// go where FORMAT §3.3 says, the adjoint backward ops, and gradients of gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor.js';
import { F } from '../../src/ops/index.js';
import { grad, noGrad } from '../../src/autograd.js';
import { setResultPoison } from '../../src/backend.js';
import { Rng } from '../../src/rng.js';

const t = (shape: number[], values: number[]) => Tensor.from(values, shape);
const arange = (shape: number[], start = 0) => Tensor.from(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => start + i), shape);
const dot = (a: Tensor, b: Tensor) => a.data.reduce((s, v, i) => s + v * b.data[i], 0);

function near(act: Tensor, ref: number[], shape?: number[], tol = 1e-6): void {
  if (shape) assert.deepEqual(act.shape, shape);
  assert.equal(act.size, ref.length);
  act.data.forEach((v, i) => assert.ok(Math.abs(v - ref[i]) <= tol * Math.max(1, Math.abs(ref[i])), `element ${i}: ${v} vs ${ref[i]}`));
}

/** x requiring grad, out = f(x), backward with dy; returns [out, x.grad]. */
function fwdBwd(x: Tensor, f: (x: Tensor) => Tensor, dy?: (shape: readonly number[]) => Tensor): [Tensor, Tensor] {
  const xr = new Tensor(x.data.slice(), x.shape, true);
  const out = f(xr);
  out.backward(dy ? dy(out.shape) : Tensor.ones(out.shape));
  return [out, xr.grad!];
}

test('max_pool2d: window maxima, stride defaults to kernel_size, gradient to the argmax', () => {
  const x = t([1, 1, 4, 4], [1, 5, 2, 0, 3, 4, 8, 6, 7, 9, 1, 2, 0, 3, 4, 5]);
  const [out, gx] = fwdBwd(x, (v) => F.max_pool2d(v, { kernel_size: 2 }), (s) => t([...s], [10, 20, 30, 40]));
  near(out, [5, 8, 9, 5], [1, 1, 2, 2]);
  near(gx, [0, 10, 0, 0, 0, 0, 20, 0, 0, 30, 0, 0, 0, 0, 0, 40]);
});

test('max_pool2d pads with −inf (all-negative input), overlapping windows accumulate at a shared maximum', () => {
  const x = t([1, 1, 3, 3], [-9, -8, -7, -6, -1, -5, -4, -3, -2]);
  const [out, gx] = fwdBwd(x, (v) => F.max_pool2d(v, { kernel_size: 3, stride: 1, padding: 1 }));
  near(out, [-1, -1, -1, -1, -1, -1, -1, -1, -1], [1, 1, 3, 3]); // zero padding would give 0s
  near(gx, [0, 0, 0, 0, 9, 0, 0, 0, 0]); // the centre wins all 9 windows
});

test('max_pool2d ceil_mode keeps a partial window only if it starts inside x or the left padding', () => {
  const x = arange([1, 1, 5, 5]);
  near(F.max_pool2d(x, { kernel_size: 2, ceil_mode: true }), [6, 8, 9, 16, 18, 19, 21, 23, 24], [1, 1, 3, 3]);
  near(F.max_pool2d(x, { kernel_size: 2 }), [6, 8, 16, 18], [1, 1, 2, 2]);
  // H = 3, k = 2, s = 2, p = 1: the formula gives 3, but window 2 would start at 3 = H + p: dropped.
  const y = F.max_pool2d(arange([1, 1, 3, 3]), { kernel_size: 2, padding: 1, ceil_mode: true });
  near(y, [0, 2, 6, 8], [1, 1, 2, 2]);
});

test('max_pool2d dilation and non-square attributes', () => {
  const x = arange([1, 1, 4, 5]).mul(-1); // maxima are the smallest indices
  // kernel [2, 2], dilation [2, 3], stride 1: taps (i, j), (i, j+3), (i+2, j), (i+2, j+3) → max is x[i, j]
  near(F.max_pool2d(x, { kernel_size: 2, stride: 1, dilation: [2, 3] }), [-0, -1, -5, -6], [1, 1, 2, 2]);
  // 3-D input [C, H, W] works like torch's unbatched form.
  assert.deepEqual(F.max_pool2d(Tensor.zeros([2, 4, 6]), { kernel_size: [2, 3] }).shape, [2, 2, 2]);
});

test('max_pool2d grad of grad: ∂/∂dy of ⟨∂⟨pool(x), dy⟩/∂x, v⟩ gathers v at the argmax', () => {
  const x = t([1, 1, 2, 4], [1, 7, 3, 2, 5, 0, 9, 4]).requiresGrad_();
  const dy = t([1, 1, 1, 2], [1, 1]).requiresGrad_();
  const v = arange([1, 1, 2, 4], 10);
  const [gx] = grad(F.sum(F.mul(F.max_pool2d(x, { kernel_size: 2 }), dy)), [x], { createGraph: true, retainGraph: true });
  const [gdy] = grad(F.sum(F.mul(gx!, v)), [dy]);
  near(gdy!, [11, 16], [1, 1, 1, 2]); // argmax positions 1 (value 7) and 6 (value 9)
});

test('max_pool2d_gather and max_pool2d_backward are adjoint and each other\'s backward', () => {
  const rng = new Rng(3);
  const indices = t([2, 1, 3], [0, 5, 5, 2, 2, -1]); // planes of 2×3; repeats and a "none"
  const g = Tensor.randn([2, 2, 3], { rng }).requiresGrad_();
  const dy = Tensor.randn([2, 1, 3], { rng }).requiresGrad_();
  const gathered = F.max_pool2d_gather(g, indices);
  near(gathered, [g.data[0], g.data[5], g.data[5], g.data[8], g.data[8], 0], [2, 1, 3]);
  const scattered = F.max_pool2d_backward(dy, indices, { input_size: [2, 3] });
  near(scattered, [dy.data[0], 0, 0, 0, 0, dy.data[1] + dy.data[2], 0, 0, dy.data[3] + dy.data[4], 0, 0, 0], [2, 2, 3]);
  assert.ok(Math.abs(dot(gathered, dy) - dot(g, scattered)) < 1e-5);
  gathered.backward(dy);
  near(g.grad!, Array.from(scattered.data));
  scattered.backward(g);
  near(dy.grad!, Array.from(gathered.data));
});

test('avg_pool2d divisors: count_include_pad, and ceil_mode windows cut at H + p', () => {
  const ones = Tensor.ones([1, 1, 3, 3]);
  // k 2, s 2, p 1: row/col spans [−1,1) (1 real of 2) and [1,3) (2 of 2).
  near(F.avg_pool2d(ones, { kernel_size: 2, padding: 1 }), [0.25, 0.5, 0.5, 1], [1, 1, 2, 2]);
  near(F.avg_pool2d(ones, { kernel_size: 2, padding: 1, count_include_pad: false }), [1, 1, 1, 1]);
  // H = 4, k 3, s 2, p 1, ceil_mode: 3 windows; the last spans [3, 6) cut to [3, 5): full = 2, count = 1.
  const o = F.avg_pool2d(Tensor.ones([1, 1, 4, 4]), { kernel_size: 3, stride: 2, padding: 1, ceil_mode: true });
  near(o, [4 / 9, 6 / 9, 2 / 6, 6 / 9, 9 / 9, 3 / 6, 2 / 6, 3 / 6, 1 / 4], [1, 1, 3, 3]);
  near(F.avg_pool2d(arange([1, 1, 2, 2]), { kernel_size: 2, divisor_override: 3 }), [2]);
});

test('avg_pool2d gradient: each input gets Σ dy / divisor of its windows; double backward is avg_pool2d', () => {
  const x = Tensor.ones([1, 1, 3, 3]);
  const [, gx] = fwdBwd(x, (v) => F.avg_pool2d(v, { kernel_size: 2, stride: 1, padding: 1, count_include_pad: false }));
  // windows over a 4×4 grid of top-left corners; divisors: corners 1, edges 2, inner 4.
  // x[0,0] is in windows (0,0) 1/1, (0,1) 1/2, (1,0) 1/2, (1,1) 1/4 → 2.25
  near(gx, [2.25, 1.5, 2.25, 1.5, 1, 1.5, 2.25, 1.5, 2.25]);
  const attrs = { kernel_size: 3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: true };
  const rng = new Rng(1);
  const dy = Tensor.randn([2, 1, 3, 3], { rng }).requiresGrad_();
  const g = Tensor.randn([2, 1, 4, 5], { rng });
  const back = F.avg_pool2d_backward(dy, { ...attrs, input_size: [4, 5] });
  assert.ok(Math.abs(dot(back, g) - dot(dy, F.avg_pool2d(g, attrs))) < 1e-5, 'avg_pool2d_backward is the adjoint of avg_pool2d');
  back.backward(g);
  near(dy.grad!, Array.from(F.avg_pool2d(g, attrs).data));
});

test('reflection_pad2d: the edge is not repeated; gradient folds reflected borders back', () => {
  const x = arange([1, 1, 3, 3]);
  const out = F.reflection_pad2d(x, { padding: [2, 2, 2, 2] });
  near(out, [
    8, 7, 6, 7, 8, 7, 6, 5, 4, 3, 4, 5, 4, 3, 2, 1, 0, 1, 2, 1, 0, 5, 4, 3, 4, 5, 4, 3,
    8, 7, 6, 7, 8, 7, 6, 5, 4, 3, 4, 5, 4, 3, 2, 1, 0, 1, 2, 1, 0,
  ], [1, 1, 7, 7]);
  near(F.reflection_pad2d(t([1, 1, 1, 3], [1, 2, 3]), { padding: [2, 1, 0, 0] }), [3, 2, 1, 2, 3, 2], [1, 1, 1, 6]);
  // [left, right, top, bottom] = [1, 1, 1, 1] on 3×3: per axis index 0 and 2 are read once, 1 three times.
  const [, gx] = fwdBwd(x, (v) => F.reflection_pad2d(v, { padding: [1, 1, 1, 1] }));
  near(gx, [1, 3, 1, 3, 9, 3, 1, 3, 1]);
  // asymmetric: [2, 0, 0, 1] on 2×3 → 3×5
  const [o2, g2] = fwdBwd(arange([1, 1, 2, 3]), (v) => F.reflection_pad2d(v, { padding: [2, 0, 0, 1] }));
  near(o2, [2, 1, 0, 1, 2, 5, 4, 3, 4, 5, 2, 1, 0, 1, 2], [1, 1, 3, 5]);
  near(g2, [2, 4, 4, 1, 2, 2]);
  assert.throws(() => F.reflection_pad2d(x, { padding: [3, 0, 0, 0] }), /reflection_pad2d: padding \[3,0,0,0\] must be smaller/);
});

test('reflection_pad2d_backward is the adjoint, and its backward is reflection_pad2d', () => {
  const rng = new Rng(2);
  const padding = [1, 3, 2, 0];
  const x = Tensor.randn([2, 3, 4, 5], { rng });
  const y = Tensor.randn([2, 3, 6, 9], { rng }).requiresGrad_();
  const back = F.reflection_pad2d_backward(y, { padding });
  assert.ok(Math.abs(dot(F.reflection_pad2d(x, { padding }), y) - dot(x, back)) < 1e-4);
  back.backward(x);
  near(y.grad!, Array.from(F.reflection_pad2d(x, { padding }).data));
});

test('upsample_nearest2d repeats each pixel sh×sw times; gradient sums each block', () => {
  const x = t([1, 1, 2, 2], [1, 2, 3, 4]);
  const [out, gx] = fwdBwd(x, (v) => F.upsample_nearest2d(v, { scale_factor: [2, 3] }), (s) => arange([...s]));
  near(out, [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4], [1, 1, 4, 6]);
  // block (0,0) holds upstream 0,1,2,6,7,8 → 24; (0,1): 3,4,5,9,10,11 → 42; (1,0) +72 → 96; (1,1) → 114
  near(gx, [24, 42, 96, 114]);
  assert.throws(() => F.upsample_nearest2d(x, { scale_factor: 1.5 }), RangeError);
});

test('upsample_nearest2d and its adjoint (kernels, results poisoned): every element by the definition, with and without a graph', () => {
  const rng = new Rng(11);
  setResultPoison(true);
  try {
    for (const [shape, sf] of [[[2, 3, 5, 7], [2, 3]], [[1, 2, 1, 1], [3, 1]], [[1, 1, 4, 3], [1, 2]], [[1, 2, 3, 9], [2, 2]]] as [number[], [number, number]][]) {
      const [n, c, h, w] = shape, [sh, sw] = sf, ho = h * sh, wo = w * sw;
      const x = Tensor.randn(shape, { rng }), dy = Tensor.randn([n, c, ho, wo], { rng });
      const want = Float32Array.from({ length: n * c * ho * wo }, (_, k) => {
        const p = Math.floor(k / (ho * wo)), i = Math.floor((k % (ho * wo)) / wo), j = k % wo;
        return x.data[(p * h + Math.floor(i / sh)) * w + Math.floor(j / sw)];
      });
      const direct = noGrad(() => F.upsample_nearest2d(x, { scale_factor: sf }));
      const xr = x.detach().requiresGrad_();
      const recorded = F.upsample_nearest2d(xr, { scale_factor: sf });
      assert.ok(recorded.requiresGrad && !direct.requiresGrad);
      assert.deepEqual([...direct.data], [...want], `shape ${shape} × ${sf}`);
      assert.deepEqual([...recorded.data], [...want], `shape ${shape} × ${sf} (recorded)`);
      recorded.backward(dy);
      // ∂x: the f32 sum of each block, rows then columns
      const gx = Float32Array.from({ length: n * c * h * w }, (_, k) => {
        const p = Math.floor(k / (h * w)), y = Math.floor((k % (h * w)) / w), z = k % w;
        let s = 0;
        for (let a = 0; a < sh; a++) for (let b = 0; b < sw; b++) s = Math.fround(s + dy.data[(p * ho + y * sh + a) * wo + z * sw + b]);
        return s;
      });
      assert.deepEqual([...xr.grad!.data], [...gx], `∂x shape ${shape} × ${sf}`);
    }
  } finally {
    setResultPoison(false);
  }
});

test('max_pool2d_gather writes 0 where an index is −1 (results poisoned)', () => {
  setResultPoison(true);
  try {
    const x = Tensor.from([1, 2, 3, 4], [1, 1, 2, 2]), indices = Tensor.from([3, -1, 0, -1], [1, 1, 2, 2]);
    assert.deepEqual([...F.max_pool2d_gather(x, indices).data], [4, 0, 1, 0]);
  } finally {
    setResultPoison(false);
  }
});

test('pool errors name the op and the shapes', () => {
  assert.throws(() => F.max_pool2d(Tensor.zeros([4, 4]), { kernel_size: 2 }), /max_pool2d: expected a 3-D or 4-D input .*\[4, 4\]/);
  assert.throws(() => F.max_pool2d(Tensor.zeros([1, 1, 4, 4]), { kernel_size: 2, padding: 2 }), /max_pool2d: padding 2 must be at most half/);
  assert.throws(() => F.avg_pool2d(Tensor.zeros([1, 1, 2, 2]), { kernel_size: 3 }), /avg_pool2d: input \[1, 1, 2, 2\] is too small/);
  assert.throws(() => F.avg_pool2d(Tensor.zeros([1, 1, 2, 2])), /avg_pool2d: kernel_size is required/);
  assert.throws(() => F.avg_pool2d(Tensor.zeros([1, 1, 4, 4]), { kernel_size: 2, stride: Infinity }), RangeError);
});
