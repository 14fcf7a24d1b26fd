// AdaIN: the statistics it transfers, the decoder mirroring the VGG (Huang's layout for relu4_1),
// stylisation options (alpha 0 = decoded content features, style mixing, colour preservation,
// sizes not a multiple of 4), and decoder training: loss goes down, resume through checkpoint bytes
// (two image samplers) is bit-exact.
// A random-weight VGG (conv1_1…conv3_1) keeps it independent of ../shared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/rng.js';
import { noGrad } from '../../src/autograd.js';
import { Conv2d } from '../../src/nn/conv.js';
import { CAFFE_RGB, VGG } from '../../src/style/vgg.js';
import { adain, AdainDecoder, AdainStylizer, AdainTrainer, defaultAdainLayer, deprocess, meanStd, type AdainTrainConfig } from '../../src/fast/adain.js';
import { originalColors } from '../../src/style/colors.js';
import { parseFastState, serializeFastState } from '../../src/fast/checkpoint.js';
import { setNumThreads, setResultPoison } from '../../src/backend.js';
import { withBackend } from '../helpers/backends.js';

const vgg = new VGG('vgg19', { convLayers: 5, preprocessing: CAFFE_RGB });
vgg.eval();
vgg.requiresGrad_(false);
const rng = new Rng(3);
const img = (h: number, w: number, n = 1) => Tensor.rand([n, 3, h, w], { rng, high: 255 });

test('adain: content features take the style\'s per-channel mean and deviation', () => {
  const x = Tensor.randn([2, 4, 5, 6], { rng }), y = Tensor.randn([2, 4, 3, 7], { rng, mean: 3, std: 2 });
  const out = noGrad(() => adain(x, y));
  const a = noGrad(() => meanStd(out)), b = noGrad(() => meanStd(y));
  for (let i = 0; i < 8; i++) {
    assert.ok(Math.abs(a.mean.data[i] - b.mean.data[i]) < 1e-4, `mean ${i}`);
    assert.ok(Math.abs(a.std.data[i] - b.std.data[i]) < 1e-3 * b.std.data[i], `std ${i}`);
  }
  // a pure shift/scale of x disappears: AdaIN only keeps x's normalised pattern
  const x2 = noGrad(() => x.mul(5).add(1));
  const out2 = noGrad(() => adain(x2, y));
  for (let i = 0; i < out.size; i++) assert.ok(Math.abs(out.data[i] - out2.data[i]) < 1e-3, `at ${i}`);
  assert.throws(() => adain(x, Tensor.zeros([2, 3, 4, 4])), /adain: content features \[2, 4, 5, 6\] and style features \[2, 3, 4, 4\]/);
});

test('AdainDecoder mirrors the VGG: Huang\'s relu4_1 decoder, ×4 for relu3_1', () => {
  const d4 = new AdainDecoder('relu4_1', { rng: new Rng(0) });
  const convs = d4.modules().filter((m): m is Conv2d => m instanceof Conv2d).map((c) => `${c.in_channels}>${c.out_channels}`);
  assert.deepEqual(convs, ['512>256', '256>256', '256>256', '256>256', '256>128', '128>128', '128>64', '64>64', '64>3']);
  assert.equal(d4.scale, 8);
  const d3 = new AdainDecoder('relu3_1', { rng: new Rng(0) });
  assert.equal(d3.scale, 4);
  assert.deepEqual(noGrad(() => d3.forward(Tensor.zeros([1, 256, 3, 5]))).shape, [1, 3, 12, 20]);
  assert.equal(defaultAdainLayer(vgg), 'relu3_1');
  assert.equal(defaultAdainLayer(new VGG('vgg19')), 'relu4_1');
  assert.throws(() => new AdainDecoder('conv3_1'), /not a VGG-19 ReLU layer/);
});

test('AdainStylizer: any size, alpha, style mixing, colour preservation', () => {
  const s = new AdainStylizer(vgg, new AdainDecoder('relu3_1', { rng: new Rng(1) }));
  const c = img(18, 23), s1 = img(16, 16), s2 = img(20, 12);
  const y = s.stylize(c, [s1]);
  assert.deepEqual(y.shape, [1, 3, 18, 23]);
  assert.ok(y.data.every((v) => v >= 0 && v <= 255));
  // the two styles mixed 1:0 is the first style alone; 1:1 differs from both
  assert.deepEqual(Array.from(s.stylize(c, [s1, s2], { weights: [1, 0] }).data), Array.from(y.data));
  const mixed = s.stylize(c, [s1, s2]);
  assert.notDeepEqual(Array.from(mixed.data), Array.from(y.data));
  // alpha 0: the decoder applied to the content's own features
  const c20 = img(20, 24);
  const zero = s.stylize(c20, [s1], { alpha: 0 });
  const direct = noGrad(() => deprocess(vgg, s.decoder.forward(s.encode(c20))));
  for (let i = 0; i < zero.size; i++) assert.ok(Math.abs(zero.data[i] - Math.min(255, Math.max(0, direct.data[i]))) < 1e-3, `at ${i}`);
  assert.deepEqual(Array.from(s.stylize(c, [s1], { preserveColor: true }).data), Array.from(originalColors(c, y).data));
  assert.throws(() => s.stylize(c, [s1], { alpha: 1.5 }), /alpha must be in \[0, 1\]/);
  assert.throws(() => s.stylize(c, [s1, s2], { weights: [1] }), /1 style weights for 2 style images/);
});

test('AdainTrainer: the loss goes down; resume is bit-exact', () => {
  const content = [img(20, 24), img(24, 20)], styles = [img(20, 20), img(22, 26)];
  const config = { layer: 'relu3_1', crop: 16, batchSize: 2, lr: 1e-3, seed: 5 };
  const a = new AdainTrainer(config, vgg, content, styles);
  const x = a.contentCrops.next(2), s = a.styleCrops.next(2);
  const at = () => noGrad(() => a.evaluate(x, s).loss.data[0]);
  const b = new AdainTrainer(config, vgg, content, styles);
  const before = at();
  const stats = [1, 2, 3, 4, 5, 6, 7, 8].map(() => a.trainStep());
  assert.ok(at() < 0.8 * before, `loss ${before} → ${at()}`);
  // b: the same draws as a (a drew one extra batch above before training: replay it)
  b.contentCrops.next(2);
  b.styleCrops.next(2);
  [1, 2, 3].forEach(() => b.trainStep());
  const c = AdainTrainer.fromState(parseFastState<AdainTrainConfig>(serializeFastState(b.state())).state, vgg, content, styles);
  const rest = [4, 5, 6, 7, 8].map(() => c.trainStep());
  assert.deepEqual(rest, stats.slice(3));
  assert.deepEqual(c.decoder.parameters().map((p) => Array.from(p.data)), a.decoder.parameters().map((p) => Array.from(p.data)));
  assert.throws(() => new AdainTrainer({ ...config, crop: 18 }, vgg, content, styles), /multiple of 4/);
  assert.throws(() => new AdainTrainer(config, vgg, content, []), /no style images/);
});

test('AdainTrainer steps and AdainStylizer.stylize run in result scopes — poisoned freed blocks give the same run and image at 2 threads', () => {
  const content = [img(20, 24), img(24, 20)], styles = [img(20, 20), img(22, 26)];
  const config = { layer: 'relu3_1', crop: 16, batchSize: 2, lr: 1e-3, seed: 6 };
  const run = (threads: number, poison: boolean) => withBackend('wasm', () => {
    setNumThreads(threads);
    setResultPoison(poison);
    try {
      const t = new AdainTrainer(config, vgg, content, styles);
      const stats = [1, 2, 3].map(() => t.trainStep());
      const image = t.stylizer().stylize(content[0], [styles[1]], { preserveColor: true });
      return { stats, params: t.decoder.parameters().map((p) => Array.from(p.data)), image: Array.from(image.data) };
    } finally {
      setResultPoison(false);
      setNumThreads(1);
    }
  });
  const want = run(1, false);
  assert.ok(want.stats.every((s) => Number.isFinite(s.total)) && want.image.every(Number.isFinite));
  assert.deepEqual(run(2, true), want);
});
