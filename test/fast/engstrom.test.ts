// Engstrom's TF network: TF "SAME" padding against a direct loop, conv2d_transpose "SAME" as the
// exact adjoint of that conv, and PROVENANCE.md §3's golden numbers for both shipped models (the
// safetensors files and the ml5 folders, which must give the same network).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/rng.js';
import { noGrad } from '../../src/autograd.js';
import { EngstromLayer, samePadding, tanhTo255 } from '../../src/fast/engstrom.js';
import { fastNetFromWeights } from '../../src/fast/load.js';
import { readWeights } from '../../src/node/weights.js';
import { withBackend } from '../helpers/backends.js';
import { needsShared, sharedDir } from '../helpers/shared.js';
import { maxAbsDiff } from './helpers.js';

const randn = (shape: number[], seed: number) => Tensor.randn(shape, { rng: new Rng(seed) });

test('samePadding follows TF: stride 2 pads 0/1 for even sizes and 1/1 for odd, stride 1 k//2', () => {
  assert.deepEqual(samePadding(32, 3, 2), [0, 1]);
  assert.deepEqual(samePadding(31, 3, 2), [1, 1]);
  assert.deepEqual(samePadding(32, 9, 1), [4, 4]);
  assert.deepEqual(samePadding(7, 3, 1), [1, 1]);
  assert.deepEqual(samePadding(1, 3, 2), [1, 1]);
});

test('tanhTo255 = clip(tanh(y)·150 + 127.5, 0, 255)', () => {
  const y = Tensor.from([-5, -0.2, 0, 0.3, 5]);
  const want = [-5, -0.2, 0, 0.3, 5].map((v) => Math.min(255, Math.max(0, Math.tanh(v) * 150 + 127.5)));
  const got = [...tanhTo255(y).data];
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-4, `${v} vs ${want[i]}`));
});

/** TF conv2d "SAME", NCHW input and OIHW weight, by the definition (zero padding, pad_before = floor(total/2)). */
function tfConvSame(x: Tensor, w: Tensor, s: number): Tensor {
  const [, cin, h, wd] = x.shape, [cout, , k] = w.shape;
  const [pt] = samePadding(h, k, s), [pl] = samePadding(wd, k, s);
  const ho = Math.ceil(h / s), wo = Math.ceil(wd / s);
  const out = new Float32Array(cout * ho * wo);
  for (let o = 0; o < cout; o++) for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) {
    let acc = 0;
    for (let c = 0; c < cin; c++) for (let u = 0; u < k; u++) for (let v = 0; v < k; v++) {
      const r = i * s + u - pt, q = j * s + v - pl;
      if (r >= 0 && r < h && q >= 0 && q < wd) acc += x.data[(c * h + r) * wd + q] * w.data[((o * cin + c) * k + u) * k + v];
    }
    out[(o * ho + i) * wo + j] = acc;
  }
  return new Tensor(out, [1, cout, ho, wo]);
}

const layer = (cin: number, cout: number, k: number, stride: number, transposed: boolean) =>
  new EngstromLayer({ in_channels: cin, out_channels: cout, kernel_size: k, stride, transposed, relu: false });

for (const [h, w] of [[8, 6], [7, 9], [5, 5]]) {
  test(`SAME conv (stride 2 and 1) on ${h}×${w} equals TF's definition`, () => {
    for (const [k, s] of [[3, 2], [9, 1], [3, 1]]) {
      const l = layer(2, 3, k, s, false);
      l.weight.data.set(randn([3, 2, k, k], k + s).data);
      const x = randn([1, 2, h, w], h * w);
      const got = noGrad(() => l.conv(x));
      const want = tfConvSame(x, l.weight, s);
      assert.deepEqual(got.shape, want.shape);
      assert.ok(maxAbsDiff(got, want) < 1e-4, `k${k} s${s}: ${maxAbsDiff(got, want)}`);
    }
  });
}

for (const [h, w] of [[4, 3], [5, 6]]) {
  test(`SAME conv_transpose on ${h}×${w} → ${2 * h}×${2 * w} is the adjoint of the SAME conv on ${2 * h}×${2 * w}`, () => {
    // <conv(z), y> = <z, deconv(y)>: the deconv's [in, out, k, k] weight is the conv's OIHW (out → in).
    const conv = layer(4, 3, 3, 2, false), deconv = layer(3, 4, 3, 2, true);
    const wt = randn([3, 4, 3, 3], 5);
    conv.weight.data.set(wt.data);
    deconv.weight.data.set(wt.data);
    const z = randn([1, 4, 2 * h, 2 * w], 6), y = randn([1, 3, h, w], 7);
    const cz = noGrad(() => conv.conv(z)), dy = noGrad(() => deconv.conv(y));
    assert.deepEqual(dy.shape, [1, 4, 2 * h, 2 * w]);
    let lhs = 0, rhs = 0;
    for (let i = 0; i < cz.size; i++) lhs += cz.data[i] * y.data[i];
    for (let i = 0; i < dy.size; i++) rhs += z.data[i] * dy.data[i];
    assert.ok(Math.abs(lhs - rhs) < 1e-3 * Math.max(1, Math.abs(lhs)), `${lhs} vs ${rhs}`);
  });
}

// PROVENANCE.md §3: input pixel[h][w][c] = (h·7 + w·13 + c·29) % 256, 32×32, no preprocessing.
const GOLDEN = {
  udnie: { mean: 110.24, p00: [17.147, 49.962, 73.109], p57: [38.404, 90.799, 84.094] },
  wave: { mean: 141.83, p00: [232.354, 221.113, 189.21], p57: [202.943, 212.046, 186.401] },
};

function goldenInput(): Tensor {
  const x = new Float32Array(3 * 32 * 32);
  for (let h = 0; h < 32; h++) for (let w = 0; w < 32; w++) for (let c = 0; c < 3; c++) x[(c * 32 + h) * 32 + w] = (h * 7 + w * 13 + c * 29) % 256;
  return new Tensor(x, [1, 3, 32, 32]);
}

for (const [style, g] of Object.entries(GOLDEN)) {
  test(`Engstrom ${style}: golden numbers of PROVENANCE.md §3 (safetensors and ml5 folder)`, { skip: needsShared }, async () => {
    const files = [`fast-style-${style}.safetensors`, `fast-style-ml5-${style}`].map((f) => path.join(sharedDir, 'models', f));
    const outs: Tensor[] = [];
    for (const file of files) {
      const { arch, net } = fastNetFromWeights(await readWeights(file));
      assert.equal(arch, 'engstrom');
      const y = withBackend('wasm', () => noGrad(() => net.forward(goldenInput())));
      assert.deepEqual(y.shape, [1, 3, 32, 32]);
      const mean = y.data.reduce((a, b) => a + b, 0) / y.size;
      assert.ok(Math.abs(mean - g.mean) < 0.01, `${file}: mean ${mean} vs ${g.mean}`);
      const px = (h: number, w: number) => [0, 1, 2].map((c) => y.data[(c * 32 + h) * 32 + w]);
      for (const [got, want, at] of [[px(0, 0), g.p00, '[0,0]'], [px(5, 7), g.p57, '[5,7]']] as const) {
        got.forEach((v, c) => assert.ok(Math.abs(v - want[c]) < 2e-3, `${file} out${at}[${c}] = ${v}, expected ${want[c]}`));
      }
      outs.push(y);
    }
    assert.equal(maxAbsDiff(outs[0], outs[1]), 0, 'safetensors and ml5 folder give the same network');
  });
}

test('inference (fused, in-place instance norm) equals the differentiable path, for both networks', async () => {
  const { randomEngstrom, randomTransformer } = await import('./helpers.js');
  for (const net of [randomEngstrom(2), randomTransformer(2)]) {
    const x = Tensor.rand([2, 3, 12, 20], { rng: new Rng(9), high: 255 });
    const [fast, graph] = withBackend('wasm', () => [noGrad(() => net.forward(x)), net.forward(x)]);
    assert.ok(graph.requiresGrad, 'the second run recorded a graph');
    const d = maxAbsDiff(fast, graph);
    assert.ok(d < 1e-3 * Math.max(1, ...graph.data.map(Math.abs)), `${net.constructor.name}: ${d}`);
  }
});
