// The perceptual loss of fast training against the Gatys objective it reuses: for one image it is
// GatysLoss with the content image = the batch's own input, term for term (the VGG here uses the
// Caffe convention, a pure mean shift, so TV in 0–255 equals TV in the network's space); for a
// batch, content and style are the means of the per-image terms and TV their sum; the gradient
// reaches the output; layers default to Johnson's where the weights have them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/rng.js';
import { noGrad } from '../../src/autograd.js';
import { CAFFE_RGB, VGG } from '../../src/style/vgg.js';
import { GatysLoss } from '../../src/style/losses.js';
import { defaultFastLayers, PerceptualLoss } from '../../src/fast/perceptual.js';

const vgg = new VGG('vgg19', { convLayers: 4, preprocessing: CAFFE_RGB });
vgg.eval();
vgg.requiresGrad_(false);
const rng = new Rng(11);
const img = (h: number, w: number, n = 1) => Tensor.rand([n, 3, h, w], { rng, high: 255 });
const opts = {
  contentLayers: [{ name: 'relu2_2', weight: 1 }],
  styleLayers: [{ name: 'relu1_2', weight: 1 }, { name: 'relu2_2', weight: 0.5 }],
  weights: { content: 2, style: 30, tv: 1e-3 },
};
const style = img(20, 24);
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-4 * Math.abs(b), `${what}: ${a} vs ${b}`);

test('PerceptualLoss = GatysLoss with the input as content image (one image)', () => {
  const x = img(16, 12), y = img(16, 12);
  const p = noGrad(() => new PerceptualLoss(vgg, style, opts).evaluate(y, x)).terms;
  const g = noGrad(() => new GatysLoss(vgg, vgg.preprocess(x), [vgg.preprocess(style)], opts).evaluate(vgg.preprocess(y))).terms;
  for (const k of ['content', 'style', 'tv', 'total'] as const) close(p[k], g[k], k);
  close(p.styleLayers.relu2_2, g.styleLayers.relu2_2, 'relu2_2');
});

test('PerceptualLoss on a batch: means of the per-image content and style, sum of TV; gradient reaches y', () => {
  const loss = new PerceptualLoss(vgg, style, opts);
  const x = img(12, 12, 2), y = img(12, 12, 2);
  const one = (t: Tensor, i: number) => new Tensor(t.data.slice(i * 432, (i + 1) * 432), [1, 3, 12, 12]);
  const parts = [0, 1].map((i) => noGrad(() => loss.evaluate(one(y, i), one(x, i))).terms);
  const yg = new Tensor(y.data.slice(), y.shape, true);
  const { loss: l, terms } = loss.evaluate(yg, x);
  close(terms.content, (parts[0].content + parts[1].content) / 2, 'content');
  close(terms.style, (parts[0].style + parts[1].style) / 2, 'style');
  close(terms.tv, parts[0].tv + parts[1].tv, 'tv');
  l.backward();
  assert.ok(yg.grad !== null && yg.grad.data.some((v) => v !== 0));
  // y = x and a style image equal to x: content 0, style of one image 0
  const same = noGrad(() => new PerceptualLoss(vgg, one(x, 0), opts).evaluate(one(x, 0), one(x, 0))).terms;
  assert.equal(same.content, 0);
  assert.ok(same.style < 1e-9 * parts[0].style);
});

test('PerceptualLoss: Johnson\'s layers where available; clear errors', () => {
  assert.deepEqual(defaultFastLayers(vgg), { style: ['relu1_2', 'relu2_2'], content: ['relu2_2'] });
  assert.deepEqual(defaultFastLayers(new VGG('vgg19')), { style: ['relu1_2', 'relu2_2', 'relu3_3', 'relu4_3'], content: ['relu2_2'] });
  const loss = new PerceptualLoss(vgg, style, opts);
  assert.throws(() => loss.evaluate(img(8, 8), img(8, 12)), /output \[1, 3, 8, 8\] and content \[1, 3, 8, 12\]/);
  assert.throws(() => loss.evaluate(img(1, 1), img(1, 1)), /1×1 px; .*need at least 2×2/);
  assert.throws(() => new PerceptualLoss(vgg, style, { ...opts, styleLayers: [{ name: 'relu3_3', weight: 1 }] }), /relu3_3.*not available/);
  assert.throws(() => new PerceptualLoss(vgg, img(8, 8, 2), opts), /style image must be \[1, 3, H, W\]/);
});
