// The light style network: parameter count from the layer plan, output geometry (H' = 4·ceil(H/4)
// like TransformerNet), depthwise convolutions really are depthwise, every parameter gets a
// gradient, the residual blocks add their input back, and the fused inference path (noGrad: norm +
// ReLU in one kernel call, in place) gives the recording path's numbers on both backends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/rng.js';
import { noGrad } from '../../src/autograd.js';
import { Conv2d } from '../../src/nn/conv.js';
import { MobileStyleNet, InvertedResidual } from '../../src/fast/mobile_net.js';
import { TransformerNet } from '../../src/fast/transformer_net.js';
import { withBackend } from '../helpers/backends.js';

const count = (m: { parameters(): Tensor[] }) => m.parameters().reduce((a, p) => a + p.size, 0);

test('MobileStyleNet: parameters as the plan says, about 1/9 of TransformerNet', () => {
  const net = new MobileStyleNet({ rng: new Rng(0) });
  const IN = (c: number) => 2 * c;
  const sep = (cin: number, cout: number) => cin * 9 + IN(cin) + cin * cout + IN(cout);
  const inv = 64 * 256 + IN(256) + 256 * 9 + IN(256) + 256 * 64 + IN(64);
  const expected = (3 * 16 * 81 + 16) + IN(16) + sep(16, 32) + sep(32, 64) + 5 * inv + sep(64, 32) + sep(32, 16) + 16 * 81 + (16 * 3 + 3);
  assert.equal(count(net), expected);
  assert.equal(expected, 193_395);
  assert.ok(count(new TransformerNet({ rng: new Rng(0) })) / expected > 8);
});

test('MobileStyleNet: depthwise convs have groups = channels, pointwise are 1×1', () => {
  const net = new MobileStyleNet({ rng: new Rng(0) });
  const convs = net.modules().filter((m): m is Conv2d => m instanceof Conv2d);
  const dw = convs.filter((c) => c.groups > 1), pw = convs.filter((c) => c.kernel_size[0] === 1);
  assert.equal(dw.length, 2 + 5 + 2 + 1);
  for (const c of dw) {
    assert.equal(c.groups, c.in_channels);
    assert.equal(c.out_channels, c.in_channels);
    assert.deepEqual(c.weight.shape, [c.in_channels, 1, ...c.kernel_size]);
  }
  assert.equal(pw.length, 2 + 10 + 2 + 1);
  assert.equal(convs.length, 1 + dw.length + pw.length);
  assert.ok('res3.dw.conv2d.weight' in net.stateDict());
});

test('MobileStyleNet: output [N, 3, 4·ceil(H/4), 4·ceil(W/4)], batch items independent', () => {
  const net = new MobileStyleNet({ rng: new Rng(1) });
  const x = Tensor.rand([2, 3, 18, 21], { rng: new Rng(2), high: 255 });
  const y = noGrad(() => net.forward(x));
  assert.deepEqual(y.shape, [2, 3, 20, 24]);
  assert.ok(y.data.every(Number.isFinite));
  // instance norm: each image alone gives the same output as in the batch
  const x1 = new Tensor(x.data.slice(3 * 18 * 21), [1, 3, 18, 21]);
  const y1 = noGrad(() => net.forward(x1));
  const tail = y.data.subarray(3 * 20 * 24);
  for (let i = 0; i < y1.size; i++) assert.ok(Math.abs(y1.data[i] - tail[i]) <= 1e-3 * (1 + Math.abs(tail[i])), `at ${i}: ${y1.data[i]} vs ${tail[i]}`);
  assert.throws(() => net.forward(Tensor.zeros([1, 1, 8, 8])), /MobileStyleNet: expected input \[N, 3, H, W\].*\[1, 1, 8, 8\]/);
});

test('MobileStyleNet: noGrad (fused norm + ReLU in place) matches the recording path, ts and wasm', () => {
  const net = new MobileStyleNet({ rng: new Rng(8) });
  // non-trivial γ and β (ones and zeros at init) so the affine and the ReLU's cut both matter
  const rng = new Rng(9);
  for (const [name, p] of net.namedParameters()) if (/\.in\d\.|^in1\./.test(name)) p.data.set(Tensor.randn(p.shape, { rng, mean: name.endsWith('weight') ? 1 : 0, std: 0.5 }).data);
  const x = Tensor.rand([2, 3, 12, 16], { rng: new Rng(10), high: 255 });
  for (const backend of ['ts', 'wasm'] as const) {
    withBackend(backend, () => {
      const want = net.forward(x), got = noGrad(() => net.forward(x));
      assert.ok(want.requiresGrad && !got.requiresGrad);
      let worst = 0;
      for (let i = 0; i < want.size; i++) worst = Math.max(worst, Math.abs(got.data[i] - want.data[i]) / (1 + Math.abs(want.data[i])));
      assert.ok(worst < 1e-4, `${backend}: fused and recorded outputs differ by ${worst}`);
    });
  }
});

test('MobileStyleNet: every parameter receives a gradient', () => {
  const net = new MobileStyleNet({ rng: new Rng(3) });
  const x = Tensor.rand([1, 3, 16, 16], { rng: new Rng(4), high: 255 });
  const y = net.forward(x);
  y.mul(Tensor.randn(y.shape, { rng: new Rng(5) })).sum().backward();
  for (const [name, p] of net.namedParameters()) {
    assert.ok(p.grad !== null, `${name} has no gradient`);
    assert.ok(p.grad!.data.some((v) => v !== 0), `${name}: gradient is all zero`);
  }
});

test('InvertedResidual: x + a linear bottleneck (zero projection gives x back)', () => {
  const block = new InvertedResidual(8, 4, new Rng(6));
  const x = Tensor.randn([1, 8, 6, 6], { rng: new Rng(7) });
  // with the last norm's scale and shift at 0 the branch vanishes
  block.in3.weight!.data.fill(0);
  block.in3.bias!.data.fill(0);
  assert.deepEqual(Array.from(noGrad(() => block.forward(x)).data), Array.from(x.data));
  block.in3.bias!.data.fill(1);
  const y = noGrad(() => block.forward(x));
  for (let i = 0; i < x.size; i++) assert.equal(y.data[i], Math.fround(x.data[i] + 1));
});
