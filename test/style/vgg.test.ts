// VGG feature extractor: torchvision's index layout, the golden activations of PROVENANCE.md for
// the shared VGG-19 (conv1_1…conv3_4) on both backends, partial weights (clear error for relu4_1,
// working defaults), early stop, average pooling, preprocessing from metadata, BGR weights,
// architecture detection and bad weight sets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Tensor } from '../../src/tensor.js';
import { noGrad } from '../../src/autograd.js';
import { F } from '../../src/ops/index.js';
import { AvgPool2d, MaxPool2d } from '../../src/nn/index.js';
import { CAFFE_RGB, preprocessingFromMetadata, VGG, vggLayout } from '../../src/style/vgg.js';
import { flipInputChannels } from '../../src/io/keras_h5.js';
import { readWeights, type LoadedWeights } from '../../src/node/weights.js';
import { sharedDir } from '../helpers/shared.js';
import { BACKENDS, withBackend } from '../helpers/backends.js';

const stFile = path.join(sharedDir, 'models', 'vgg19-features-conv1_1-conv3_4.safetensors');
const pthFile = path.join(sharedDir, 'fixtures', 'vgg19-features-head.pth');
const needsSt = existsSync(stFile) ? false : `needs ${stFile}`;

/** PROVENANCE.md's test image: 16×16 RGB, pixel[h][w][c] = (h·7 + w·13 + c·29) mod 256. */
function provenanceImage(S = 16): Tensor {
  const d = new Float32Array(3 * S * S);
  for (let c = 0; c < 3; c++) for (let h = 0; h < S; h++) for (let w = 0; w < S; w++) d[(c * S + h) * S + w] = (h * 7 + w * 13 + c * 29) % 256;
  return new Tensor(d, [1, 3, S, S]);
}

// layer, shape (C,H,W), sum, v[0,0,0], v[1,2,3] (PROVENANCE.md, float64)
const GOLDEN: [string, number[], number, number, number][] = [
  ['relu1_1', [64, 16, 16], 511273, 201.546, 49.4046],
  ['relu1_2', [64, 16, 16], 2.19307e6, 0, 210.608],
  ['relu2_1', [128, 8, 8], 1.64747e6, 0, 69.4146],
  ['relu2_2', [128, 8, 8], 2.00537e6, 0, 0],
  ['relu3_1', [256, 4, 4], 1.46503e6, 110.905, 0],
  ['relu3_2', [256, 4, 4], 2.26802e6, 643.655, 1594.16],
  ['relu3_3', [256, 4, 4], 5.38482e6, 237.59, 3923.57],
  ['relu3_4', [256, 4, 4], 8.30628e6, 866.413, 6455.47],
];

let shared: LoadedWeights | undefined;
const stWeights = async () => (shared ??= await readWeights(stFile));
let full19: VGG | undefined;
const fullVgg19 = () => (full19 ??= new VGG('vgg19')); // 20M randomly initialised parameters: build once

test('layout: torchvision indices and names for VGG-19 and VGG-16', () => {
  const v19 = vggLayout('vgg19'), v16 = vggLayout('vgg16');
  assert.equal(v19.length, 37);
  assert.equal(v16.length, 31);
  const at = (l: typeof v19, i: number) => l[i].name;
  assert.deepEqual([0, 1, 4, 5, 9, 10, 16, 17, 18, 19, 20, 21, 22, 27, 28, 34, 35, 36].map((i) => at(v19, i)),
    ['conv1_1', 'relu1_1', 'pool1', 'conv2_1', 'pool2', 'conv3_1', 'conv3_4', 'relu3_4', 'pool3', 'conv4_1', 'relu4_1', 'conv4_2', 'relu4_2', 'pool4', 'conv5_1', 'conv5_4', 'relu5_4', 'pool5']);
  assert.deepEqual([14, 16, 17, 23, 24, 28, 30].map((i) => at(v16, i)), ['conv3_3', 'pool3', 'conv4_1', 'pool4', 'conv5_1', 'conv5_3', 'pool5']);
  const full = fullVgg19();
  assert.equal(full.features.length, 37);
  const sd = full.stateDict();
  const keys = Object.keys(sd);
  assert.equal(keys.length, 32);
  assert.deepEqual(keys.slice(0, 4), ['features.0.weight', 'features.0.bias', 'features.2.weight', 'features.2.bias']);
  assert.equal(keys.at(-1), 'features.34.bias');
  assert.deepEqual(sd['features.28.weight'].shape, [512, 512, 3, 3]);
  assert.equal(new VGG('vgg16').features.length, 31);
  assert.equal(new VGG('vgg16', { convLayers: 7 }).layerNames().at(-1), 'pool3'); // conv3_3 ends block 3
  assert.equal(new VGG('vgg19', { convLayers: 5 }).layerNames().at(-1), 'relu3_1');
});

for (const backend of BACKENDS) {
  test(`golden activations of PROVENANCE.md, all 8 ReLU layers: shape, sum (1e-4 rel), v[0,0,0], v[1,2,3] [${backend}]`, { skip: needsSt }, async () => {
    const vgg = VGG.fromWeights(await stWeights());
    const out = withBackend(backend, () => noGrad(() => vgg.extract(provenanceImage(), GOLDEN.map((g) => g[0]))));
    assert.deepEqual([...out.keys()], GOLDEN.map((g) => g[0]));
    for (const [name, shape, sum, v000, v123] of GOLDEN) {
      const t = out.get(name)!;
      assert.deepEqual(t.shape, [1, ...shape], name);
      const s = t.data.reduce((a, v) => a + v, 0);
      assert.ok(Math.abs(s - sum) <= 1e-4 * sum, `${name}: sum ${s} vs ${sum}`);
      const [, H, W] = shape;
      const a = t.data[0], b = t.data[(1 * H + 2) * W + 3];
      assert.ok(Math.abs(a - v000) <= 1e-5 * Math.abs(v000) + 2e-3, `${name}: v[0,0,0] ${a} vs ${v000}`);
      assert.ok(Math.abs(b - v123) <= 1e-5 * Math.abs(v123) + 2e-3, `${name}: v[1,2,3] ${b} vs ${v123}`);
    }
  });
}

test('the weights carry their preprocessing (safetensors metadata: RGB, 0–255, Caffe mean, no std)', { skip: needsSt }, async () => {
  const vgg = VGG.fromWeights(await stWeights());
  const p = vgg.preprocessing;
  assert.deepEqual([p.channelOrder, p.range, p.mean, p.std], ['RGB', 255, [123.68, 116.779, 103.939], null]);
  assert.equal(p.source, 'metadata input');
  const x = provenanceImage(2);
  assert.deepEqual([...vgg.preprocess(x).data.subarray(0, 4)], [0 - 123.68, 13 - 123.68, 7 - 123.68, 20 - 123.68].map(Math.fround));
  assert.equal(vgg.arch, 'vgg19');
  assert.equal(vgg.training, false);
  assert.ok(vgg.parameters().every((q) => !q.requiresGrad));
});

test('partial weights: relu4_1 is a clear error listing the available layers; the defaults work', { skip: needsSt }, async () => {
  const vgg = VGG.fromWeights(await stWeights());
  assert.deepEqual(vgg.layerNames().filter((n) => n.startsWith('relu')), GOLDEN.map((g) => g[0]));
  assert.throws(() => vgg.extract(provenanceImage(), ['relu1_1', 'relu4_1']),
    /VGG: layer 'relu4_1' \(features\.20\) is not available: the vgg19 weights hold conv1_1 … conv3_4 only; available layers: conv1_1, relu1_1, .*relu3_4, pool3$/);
  assert.throws(() => vgg.extract(provenanceImage(), ['relu6_1']), /unknown layer 'relu6_1' for vgg19; valid names: conv1_1, .*relu5_4, pool5$/);
  const { style, content } = vgg.defaultLayers();
  assert.deepEqual(style, ['relu1_1', 'relu2_1', 'relu3_1']);
  assert.deepEqual(content, ['relu3_2']);
  const out = withBackend('wasm', () => noGrad(() => vgg.extract(provenanceImage(), [...content, ...style])));
  assert.deepEqual([...out.keys()], ['relu3_2', 'relu1_1', 'relu2_1', 'relu3_1']);
  assert.deepEqual(out.get('relu2_1')!.shape, [1, 128, 8, 8]);
  // a full VGG-19 gets Gatys' layers
  assert.deepEqual(fullVgg19().defaultLayers(), { style: ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'], content: ['relu4_2'] });
});

test('forward stops at the deepest requested layer; gradients reach the image', { skip: needsSt }, async () => {
  const vgg = VGG.fromWeights(await stWeights());
  const mods = vgg.features.children();
  const calls: number[] = [];
  mods.forEach((m, i) => {
    const f = m.forward.bind(m);
    m.forward = (x: Tensor) => {
      calls.push(i);
      return f(x);
    };
  });
  withBackend('wasm', () => {
    const img = provenanceImage(8).detach();
    img.requiresGrad = true;
    const out = vgg.extract(img, ['relu2_1', 'relu1_1']);
    assert.deepEqual(calls, [0, 1, 2, 3, 4, 5, 6]);
    out.get('relu2_1')!.sum().backward();
    assert.deepEqual(img.grad?.shape, [1, 3, 8, 8]);
    assert.ok(img.grad!.data.some((g) => g !== 0));
  });
});

test("pooling 'avg': AvgPool2d modules; relu2_1 = relu(conv2_1(avg_pool(relu1_2)))", { skip: needsSt }, async () => {
  const w = await stWeights();
  const avg = VGG.fromWeights(w, { pooling: 'avg' }), max = VGG.fromWeights(w);
  assert.ok(avg.features.at(4) instanceof AvgPool2d && avg.features.at(18) instanceof AvgPool2d);
  assert.ok(max.features.at(4) instanceof MaxPool2d);
  withBackend('wasm', () => noGrad(() => {
    const x = avg.preprocess(provenanceImage());
    const got = avg.forward(x, ['relu1_2', 'relu2_1']);
    const manual = F.relu(F.conv2d(F.avg_pool2d(got.get('relu1_2')!, { kernel_size: [2, 2], stride: [2, 2] }), w.tensors.get('features.5.weight')!, w.tensors.get('features.5.bias')!, { padding: [1, 1] }));
    const a = got.get('relu2_1')!;
    assert.ok(a.data.every((v, i) => Math.abs(v - manual.data[i]) <= 1e-3 + 1e-5 * Math.abs(v)), 'avg path');
    const m = max.forward(x, ['relu2_1']).get('relu2_1')!;
    assert.ok(m.data.some((v, i) => Math.abs(v - a.data[i]) > 1), 'max and avg pooling differ');
  }));
});

test('BGR weights (per metadata) get conv1_1 flipped: same features from the same RGB image', { skip: needsSt }, async () => {
  const w = await stWeights();
  const tensors = new Map(w.tensors);
  tensors.set('features.0.weight', flipInputChannels(w.tensors.get('features.0.weight')!));
  const bgr = VGG.fromWeights({ tensors, metadata: { input: 'BGR order, pixel range 0-255, subtract mean BGR [103.939, 116.779, 123.68], no std' } });
  assert.equal(bgr.preprocessing.channelOrder, 'RGB');
  assert.deepEqual(bgr.preprocessing.mean, [123.68, 116.779, 103.939]);
  assert.match(bgr.preprocessing.source, /reversed from BGR to RGB/);
  const rgb = VGG.fromWeights(w);
  const [a, b] = withBackend('wasm', () => noGrad(() => [bgr, rgb].map((v) => v.extract(provenanceImage(), ['relu1_2']).get('relu1_2')!)));
  assert.ok(a.data.every((v, i) => v === b.data[i]));
});

test('preprocessingFromMetadata: JSON and text forms, mean order, errors', () => {
  assert.deepEqual(preprocessingFromMetadata({}), undefined);
  const j = preprocessingFromMetadata({ preprocessing: JSON.stringify({ channelOrder: 'RGB', range: 1, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }) })!;
  assert.deepEqual([j.range, j.std], [1, [0.229, 0.224, 0.225]]);
  const t = preprocessingFromMetadata({ input: 'BGR order, range 0-255, mean RGB [123.68, 116.779, 103.939]' })!;
  assert.deepEqual([t.channelOrder, t.mean, t.std], ['BGR', [103.939, 116.779, 123.68], null]); // listed in the network's order
  const s = preprocessingFromMetadata({ input: 'RGB order, 0-1, mean [0.5, 0.5, 0.5], std [0.25, 0.25, 0.25]' })!;
  assert.deepEqual([s.range, s.std], [1, [0.25, 0.25, 0.25]]);
  assert.throws(() => preprocessingFromMetadata({ input: 'some images' }), /cannot read the preprocessing from metadata input "some images"/);
  assert.throws(() => preprocessingFromMetadata({ preprocessing: '{"range": 7}' }), /needs channelOrder RGB\|BGR/);
});

test('torchvision .pth without a prefix: VGG-19 head up to relu3_1, torchvision preprocessing assumed', { skip: existsSync(pthFile) ? false : `needs ${pthFile}` }, async () => {
  const w = await readWeights(pthFile);
  const vgg = VGG.fromWeights(w);
  assert.equal(vgg.arch, 'vgg19');
  assert.equal(vgg.layerNames().at(-1), 'relu3_1');
  assert.equal(vgg.features.length, 12);
  assert.deepEqual(vgg.stateDict()['features.10.weight'].data, w.tensors.get('10.weight')!.data);
  assert.deepEqual([vgg.preprocessing.range, vgg.preprocessing.std], [1, [0.229, 0.224, 0.225]]);
  assert.match(vgg.preprocessing.source, /assumed/);
  const given = VGG.fromWeights(w, { preprocessing: CAFFE_RGB });
  assert.equal(given.preprocessing.range, 255);
});

test('architecture detection and bad weight sets', () => {
  const conv = (o: number, i: number) => Tensor.zeros([o, i, 3, 3]);
  const b = (o: number) => Tensor.zeros([o]);
  const head: Record<string, Tensor> = {
    'features.0.weight': conv(64, 3), 'features.0.bias': b(64), 'features.2.weight': conv(64, 64), 'features.2.bias': b(64),
    'features.5.weight': conv(128, 64), 'features.5.bias': b(128), 'features.7.weight': conv(128, 128), 'features.7.bias': b(128),
    'features.10.weight': conv(256, 128), 'features.10.bias': b(256), 'features.12.weight': conv(256, 256), 'features.12.bias': b(256),
    'features.14.weight': conv(256, 256), 'features.14.bias': b(256),
  };
  // VGG-16 has conv4_1 [512, 256] at 17; VGG-19 has a ReLU there
  const v16 = VGG.fromWeights({ tensors: { ...head, 'features.17.weight': conv(512, 256), 'features.17.bias': b(512), 'classifier.0.weight': Tensor.zeros([2, 2]) } });
  assert.equal(v16.arch, 'vgg16');
  assert.equal(v16.layerNames().at(-1), 'relu4_1');
  assert.equal(VGG.fromWeights({ tensors: head }).arch, 'vgg19'); // ambiguous: VGG-19 by default
  assert.equal(VGG.fromWeights({ tensors: head }, { arch: 'vgg16' }).layerNames().at(-1), 'pool3');
  const { 'features.2.weight': _w, 'features.2.bias': _b, ...gap } = head;
  assert.throws(() => VGG.fromWeights({ tensors: gap, file: 'gap.pth' }), /^Error: gap\.pth: weights for conv2_1, conv2_2, conv3_1, conv3_2, conv3_3 but not for conv1_2 \(features\.2\): layers must be present from conv1_1 on without gaps/);
  assert.throws(() => VGG.fromWeights({ tensors: { ...head, 'features.0.weight': conv(64, 4) }, file: 'w' }), /w: weights fit neither VGG-19 \(features\.0 \(conv1_1\) weight has shape \[64, 4, 3, 3\], vgg19 needs \[64, 3, 3, 3\]\)/);
  const { 'features.5.bias': _c, ...noBias } = head;
  assert.throws(() => VGG.fromWeights({ tensors: noBias }), /conv2_1 \(features\.5\) has no bias/);
  assert.throws(() => VGG.fromWeights({ tensors: { 'fc.weight': b(2) }, file: 'mlp.safetensors' }), /mlp\.safetensors: no VGG weights found/);
  assert.throws(() => VGG.fromWeights({ tensors: { 'features.1.weight': b(2) } }), /no convolution at features\.1/);
  assert.throws(() => new VGG('vgg19', { pooling: 'median' as 'max' }), /pooling must be 'max' or 'avg'/);
  assert.throws(() => new VGG('vgg19', { convLayers: 1 }).forward(Tensor.zeros([1, 4, 8, 8]), ['relu1_1']), /expected input \[N, 3, H, W\] or \[3, H, W\], got \[1, 4, 8, 8\]/);
});
