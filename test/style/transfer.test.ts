// Gatys style transfer on small random VGGs (no ../shared needed): the exact loss definitions
// (hand loops in float64), the TV gradient, layer lists, style blending, the optimisation loop
// (records k = 0…N, torch's one-call L-BFGS trajectory reproduced by one step() per iteration,
// Adam, inits, seeds), non-finite detection, size errors, and the image helpers of the pipeline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor.js';
import { noGrad } from '../../src/autograd.js';
import { Rng } from '../../src/rng.js';
import { LBFGS } from '../../src/optim/lbfgs.js';
import { CAFFE_RGB, TORCHVISION, VGG } from '../../src/style/vgg.js';
import { contentLoss, GatysLoss, layerGrad, minImageSide, parseLayers, styleLoss, tvLoss } from '../../src/style/losses.js';
import { fromNetworkSpace, gatys, NonFiniteLossError, stylize, toNetworkSpace } from '../../src/style/transfer.js';
import { originalColors } from '../../src/style/colors.js';
import { pyramidSizes } from '../../src/style/multires.js';
import { mimeForFileName, resizeImage, resizeLongestSide } from '../../src/io/image.js';
import { isResident, setNumThreads, setResultPoison } from '../../src/backend.js';
import { withBackend } from '../helpers/backends.js';

/** A frozen VGG-19 head with random weights: conv1_1 … conv2_1 (relu1_1, relu1_2, pool1, relu2_1). */
function tinyVgg(convLayers = 3, pre = CAFFE_RGB): VGG {
  const v = new VGG('vgg19', { convLayers, preprocessing: pre });
  v.eval();
  v.requiresGrad_(false);
  return v;
}

/** A smooth RGB 0–255 test image [1, 3, h, w] with some random texture. */
function image(h: number, w: number, seed: number): Tensor {
  const rng = new Rng(seed), d = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    d[(c * h + y) * w + x] = Math.round(Math.min(255, Math.max(0, 128 + 80 * Math.sin((x + 2 * c) / 3 + y / 5 + seed) + 30 * rng.normal())));
  }
  return new Tensor(d, [1, 3, h, w]);
}

const close = (a: number, b: number, rel: number, what: string) => assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-30), `${what}: ${a} vs ${b}`);

test('tvLoss: Σ of squared vertical and horizontal neighbour differences; gradient 2·Σ(x − neighbour)', () => {
  const x = Tensor.randn([2, 3, 5, 4], { rng: new Rng(1) }).requiresGrad_();
  const [n, c, h, w] = x.shape, d = x.data;
  const at = (i: number, y: number, xx: number) => d[(i * h + y) * w + xx];
  let ref = 0;
  const g = new Float64Array(d.length);
  for (let i = 0; i < n * c; i++) for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) {
    if (y + 1 < h) {
      const diff = at(i, y + 1, xx) - at(i, y, xx);
      ref += diff * diff;
      g[(i * h + y + 1) * w + xx] += 2 * diff;
      g[(i * h + y) * w + xx] -= 2 * diff;
    }
    if (xx + 1 < w) {
      const diff = at(i, y, xx + 1) - at(i, y, xx);
      ref += diff * diff;
      g[(i * h + y) * w + xx + 1] += 2 * diff;
      g[(i * h + y) * w + xx] -= 2 * diff;
    }
  }
  const t = tvLoss(x);
  close(t.data[0], ref, 1e-5, 'tv');
  t.backward();
  x.grad!.data.forEach((v, i) => assert.ok(Math.abs(v - g[i]) <= 1e-4 * (1 + Math.abs(g[i])), `grad[${i}] ${v} vs ${g[i]}`));
  // a single row or column only has differences along the other axis
  assert.equal(tvLoss(Tensor.from([1, 4, 2], [1, 1, 1, 3])).data[0], 9 + 4);
  assert.equal(tvLoss(Tensor.from([1, 4, 2], [1, 1, 3, 1])).data[0], 9 + 4);
  assert.throws(() => tvLoss(Tensor.zeros([3, 4, 4])), /tvLoss: expected \[N, C, H, W\]/);
});

test('contentLoss = mean((F − P)²); styleLoss = mean((F·Fᵀ/(C·H·W) − A)²), checked against float64 loops', () => {
  const f = Tensor.randn([1, 4, 3, 5], { rng: new Rng(2) }), p = Tensor.randn([1, 4, 3, 5], { rng: new Rng(3) });
  let ref = 0;
  f.data.forEach((v, i) => (ref += (v - p.data[i]) ** 2));
  close(contentLoss(f, p).data[0], ref / f.size, 1e-6, 'content');
  const [, C, H, W] = f.shape, N = H * W;
  const A = Tensor.randn([1, C, C], { rng: new Rng(4) });
  let s = 0;
  for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) {
    let gij = 0;
    for (let k = 0; k < N; k++) gij += f.data[i * N + k] * f.data[j * N + k];
    s += (gij / (C * N) - A.data[i * C + j]) ** 2;
  }
  close(styleLoss(f, A).data[0], s / (C * C), 1e-5, 'style');
});

test('parseLayers: comma lists with name:weight, arrays, and clear errors', () => {
  assert.deepEqual(parseLayers('relu1_1, relu2_1:0.5,relu3_1:2'), [{ name: 'relu1_1', weight: 1 }, { name: 'relu2_1', weight: 0.5 }, { name: 'relu3_1', weight: 2 }]);
  assert.deepEqual(parseLayers(['relu3_2', { name: 'relu1_1', weight: 3 }]), [{ name: 'relu3_2', weight: 1 }, { name: 'relu1_1', weight: 3 }]);
  assert.throws(() => parseLayers('', 'style layers'), /style layers: give at least one layer/);
  assert.throws(() => parseLayers('relu1_1:abc'), /weight of relu1_1 must be a finite number/);
  assert.throws(() => parseLayers('relu1_1:-1'), /weight of relu1_1 must be a finite number ≥ 0/);
  assert.throws(() => parseLayers('relu1_1,relu1_1'), /relu1_1 is listed twice/);
  assert.throws(() => parseLayers('relu 1'), /cannot read 'relu 1'/);
});

test('GatysLoss: per-layer terms with layer weights, blended style targets, total = wc·content + ws·style + wtv·tv', () => {
  const vgg = tinyVgg();
  const c = toNetworkSpace(vgg, image(12, 16, 1)), s1 = toNetworkSpace(vgg, image(16, 16, 2)), s2 = toNetworkSpace(vgg, image(10, 14, 3));
  const obj = new GatysLoss(vgg, c, [s1, s2], {
    contentLayers: parseLayers('relu1_2'), styleLayers: parseLayers('relu1_1:2,relu2_1'), weights: { content: 3, style: 7, tv: 0.01 }, blend: [1, 3],
  });
  // blended targets: A = ¼·G(s1) + ¾·G(s2)
  const a = gram(vgg, s1, 'relu2_1'), b = gram(vgg, s2, 'relu2_1'), target = obj.styleTargets.get('relu2_1')!;
  target.data.forEach((v, i) => assert.ok(Math.abs(v - (0.25 * a[i] + 0.75 * b[i])) <= 1e-4 * (1 + Math.abs(v)), `A[${i}]`));
  const x = toNetworkSpace(vgg, image(12, 16, 9));
  const { terms } = obj.evaluate(x);
  const feats = noGrad(() => vgg.forward(x, ['relu1_2', 'relu1_1', 'relu2_1']));
  close(terms.contentLayers.relu1_2, contentLoss(feats.get('relu1_2')!, obj.contentTargets.get('relu1_2')!).data[0], 1e-6, 'content relu1_2');
  close(terms.styleLayers.relu1_1, 2 * styleLoss(feats.get('relu1_1')!, obj.styleTargets.get('relu1_1')!).data[0], 1e-6, 'style relu1_1 (weight 2)');
  close(terms.style, terms.styleLayers.relu1_1 + terms.styleLayers.relu2_1, 1e-6, 'style sum');
  close(terms.tv, tvLoss(x).data[0], 1e-6, 'tv');
  close(terms.total, 3 * terms.content + 7 * terms.style + 0.01 * terms.tv, 1e-5, 'total');
  // tv is reported even with tv weight 0, but is not part of the total
  const obj0 = new GatysLoss(vgg, c, [s1], { contentLayers: parseLayers('relu1_2'), styleLayers: parseLayers('relu1_1'), weights: { content: 1, style: 1, tv: 0 } });
  const t0 = obj0.evaluate(x).terms;
  assert.ok(t0.tv > 0);
  close(t0.total, t0.content + t0.style, 1e-6, 'total without tv');
});

test('GatysLoss.valueAndGrad (hand-run chain backward) = evaluate() + autograd: terms and ∂total/∂x, max and avg pooling', () => {
  for (const pooling of ['max', 'avg'] as const) {
    const v = new VGG('vgg19', { convLayers: 4, preprocessing: CAFFE_RGB, pooling });
    v.eval();
    v.requiresGrad_(false);
    const c = toNetworkSpace(v, image(10, 12, 1)), s = toNetworkSpace(v, image(12, 9, 2));
    // conv layers, a pool layer, a layer that is both content and style, and TV; conv1_1 and
    // relu1_1 take the backward's recomputation path (their gradient is added only there)
    let released = 0;
    const obj = new GatysLoss(v, c, [s], {
      contentLayers: parseLayers('conv1_1:0.3,conv1_2:0.5,relu2_2'), styleLayers: parseLayers('relu1_1,pool1:3,relu2_2:2'), weights: { content: 2, style: 50, tv: 1e-3 },
      release: (bytes) => {
        assert.ok(Number.isInteger(bytes) && bytes > 0);
        released += bytes;
      },
    });
    const x = new Tensor(toNetworkSpace(v, image(10, 12, 7)).data.slice(), [1, 3, 10, 12], true);
    const { loss, terms } = obj.evaluate(x);
    loss.backward();
    const ref = x.grad!.data;
    const before = released;
    const { terms: t2, grad } = obj.valueAndGrad(x);
    // every activation the chain drops is reported: at least relu1_2's, conv2_1's input (a pool output) and the recomputed conv1_1
    assert.ok(released - before >= 4 * 64 * (10 * 12 + 10 * 12 + 5 * 6), `the release hook got ${released - before} bytes`);
    for (const k of ['content', 'style', 'tv', 'total'] as const) close(t2[k], terms[k], 1e-6, `${pooling} ${k}`);
    assert.deepEqual(Object.keys(t2.styleLayers), ['relu1_1', 'pool1', 'relu2_2']);
    for (const [l, val] of Object.entries(terms.styleLayers)) close(t2.styleLayers[l], val, 1e-6, `${pooling} style ${l}`);
    for (const [l, val] of Object.entries(terms.contentLayers)) close(t2.contentLayers[l], val, 1e-6, `${pooling} content ${l}`);
    const scale = ref.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
    assert.ok(scale > 0);
    grad!.data.forEach((g, i) => assert.ok(Math.abs(g - ref[i]) <= 1e-4 * scale, `${pooling} grad[${i}] ${g} vs ${ref[i]}`));
    // without gradients: the same terms, no gradient
    const t3 = obj.valueAndGrad(x, false);
    assert.equal(t3.grad, null);
    assert.equal(t3.terms.total, t2.total);
  }
});

test('GatysLoss on the pooled WASM backend: the chain runs in a result scope and frees each array early — poisoned, 1 and 2 threads, the same terms and gradient', () => {
  const v = new VGG('vgg19', { convLayers: 4, preprocessing: CAFFE_RGB });
  v.eval();
  v.requiresGrad_(false);
  const c = toNetworkSpace(v, image(18, 20, 1)), s = toNetworkSpace(v, image(16, 22, 2)), x = toNetworkSpace(v, image(18, 20, 7));
  // recomputed conv1_1, a content layer that is a conv (the in-place ReLU follows), pool1, a deep style layer
  const layers = { contentLayers: parseLayers('conv1_1:0.3,conv2_1,relu2_2'), styleLayers: parseLayers('relu1_1,pool1:3,relu2_2:2'), weights: { content: 2, style: 50, tv: 1e-3 } };
  const run = (threads: number, poison: boolean) => withBackend('wasm', () => {
    setNumThreads(threads);
    setResultPoison(poison);
    try {
      let released = 0;
      const obj = new GatysLoss(v, c, [s], { ...layers, release: (b) => { released += b; } });
      const targets = [...obj.contentTargets.values(), ...obj.styleTargets.values()];
      const first = obj.valueAndGrad(x), second = obj.valueAndGrad(x);
      // what leaves the chain is plain: targets and gradients survive later chains' (poisoned) frees
      assert.ok(!isResident(first.grad!.data) && targets.every((t) => !isResident(t.data)));
      assert.deepEqual(second, first);
      return { terms: first.terms, grad: Array.from(first.grad!.data), targets: targets.map((t) => Array.from(t.data)), released };
    } finally {
      setResultPoison(false);
      setNumThreads(1);
    }
  });
  const want = run(1, false);
  // every array the chain drops lives in the kernels' memory and is freed by the chain: none for the collector
  assert.equal(want.released, 0);
  assert.ok(want.grad.every(Number.isFinite) && want.grad.some((g) => g !== 0));
  assert.deepEqual(run(1, true), want);
  assert.deepEqual(run(2, true), want);
  // the same as the reference backend (kernels round differently: to a tolerance)
  const ref = new GatysLoss(v, c, [s], layers).valueAndGrad(x);
  close(want.terms.total, ref.terms.total, 1e-5, 'total vs ts');
  const scale = ref.grad!.data.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
  want.grad.forEach((g, i) => assert.ok(Math.abs(g - ref.grad!.data[i]) <= 1e-4 * scale, `grad[${i}] ${g} vs ts ${ref.grad!.data[i]}`));
});

function gram(vgg: VGG, x: Tensor, l: string): Float64Array {
  const f = noGrad(() => vgg.forward(x, [l]).get(l)!);
  const [, C, H, W] = f.shape, N = H * W, out = new Float64Array(C * C);
  for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) {
    let s = 0;
    for (let k = 0; k < N; k++) s += f.data[i * N + k] * f.data[j * N + k];
    out[i * C + j] = s / (C * N);
  }
  return out;
}

test('GatysLoss errors: unknown/absent layers list the available ones; blend weights; images too small', () => {
  const vgg = tinyVgg();
  const c = toNetworkSpace(vgg, image(8, 8, 1));
  const mk = (o: Partial<{ content: string; style: string; blend: number[] }>, styles = [c]) => new GatysLoss(vgg, c, styles, {
    contentLayers: parseLayers(o.content ?? 'relu1_2'), styleLayers: parseLayers(o.style ?? 'relu1_1'), weights: { content: 1, style: 1, tv: 0 }, blend: o.blend,
  });
  assert.throws(() => mk({ content: 'relu4_2' }), /layer 'relu4_2' \(features\.22\) is not available.*available layers: conv1_1, relu1_1, conv1_2, relu1_2, pool1, conv2_1, relu2_1/);
  assert.throws(() => mk({ style: 'relu9_9' }), /unknown layer 'relu9_9'/);
  assert.throws(() => mk({ blend: [1, 2] }), /2 style blend weights for 1 style images/);
  assert.throws(() => mk({ blend: [0] }), /not all 0/);
  assert.equal(minImageSide(vgg, ['relu1_1']), 1);
  assert.equal(minImageSide(vgg, ['relu2_1']), 2);
  const tiny = toNetworkSpace(vgg, image(1, 5, 1));
  assert.throws(() => mk({ style: 'relu2_1' }, [tiny]), /the style image is 5×1 px; layer relu2_1 needs at least 2×2/);
  // an image of another size than the content image
  const obj = mk({});
  const other = toNetworkSpace(vgg, image(8, 6, 2));
  assert.throws(() => obj.evaluate(other), /relu1_2 features \[1, 64, 8, 6\] but the content target is \[1, 64, 8, 8\]: the image must have the content image's size/);
  assert.throws(() => obj.valueAndGrad(other), /the image must have the content image's size/);
});

test('gatys: records k = 0…N, L-BFGS one step() per iteration = torch\'s single step(max_iter = N) trajectory, bit for bit', async () => {
  const vgg = tinyVgg();
  const content = image(12, 16, 1), style = image(16, 12, 2);
  const N = 6;
  const seen: number[] = [];
  const r = await gatys(vgg, content, [style], { iterations: N, contentLayers: 'relu2_1', styleLayers: 'relu1_1,relu2_1', onRecord: (rec) => void seen.push(rec.iteration) });
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(r.records.map((x) => x.iteration), seen);
  assert.equal(r.records[0].content, 0); // starts from the content image
  assert.equal(r.evaluations, N + 1);
  assert.ok(r.records[N].total < 0.5 * r.records[0].total, `loss should fall: ${r.records[0].total} → ${r.records[N].total}`);
  assert.ok(r.records.every((x, i) => i === 0 || x.elapsed >= r.records[i - 1].elapsed));
  assert.deepEqual(r.image.shape, [1, 3, 12, 16]);
  assert.ok(r.image.data.every((v) => Number.isInteger(v) && v >= 0 && v <= 255));

  // the same objective minimised by one LBFGS.step with max_iter = N (torch's other usual form)
  const obj = new GatysLoss(vgg, toNetworkSpace(vgg, content), [toNetworkSpace(vgg, style)], {
    contentLayers: parseLayers('relu2_1'), styleLayers: parseLayers('relu1_1,relu2_1'), weights: { content: 1, style: 100, tv: 0 },
  });
  const x = new Tensor(toNetworkSpace(vgg, content).data.slice(), content.shape, true);
  const opt = new LBFGS([x], { lr: 1, max_iter: N, history_size: 100 });
  const losses: number[] = [];
  opt.step(() => {
    const { terms, grad } = obj.valueAndGrad(x);
    losses.push(terms.total);
    x.grad = grad;
    return terms.total;
  });
  losses.push(obj.valueAndGrad(x, false).terms.total);
  assert.equal(losses.length, N + 1);
  assert.deepEqual(r.records.map((rec) => rec.total), losses); // bit for bit: same gradients, same steps
  assert.deepEqual([...r.image.data], [...fromNetworkSpace(vgg, x).data]);
});

test('gatys: Adam, strong Wolfe, noise init with a seed, init from an image of another size', async () => {
  const vgg = tinyVgg(2);
  const content = image(8, 10, 1), style = image(8, 8, 2);
  const base = { contentLayers: 'relu1_2', styleLayers: 'relu1_1' } as const;
  const adam = await gatys(vgg, content, [style], { ...base, optimizer: 'adam', learningRate: 5, iterations: 8 });
  assert.ok(adam.records[8].total < adam.records[0].total);
  assert.equal(adam.evaluations, 9);
  const wolfe = await gatys(vgg, content, [style], { ...base, lineSearch: 'strong_wolfe', iterations: 3 });
  assert.ok(wolfe.records[3].total < wolfe.records[0].total);
  assert.ok(wolfe.evaluations >= 4);
  const n1 = await gatys(vgg, content, [style], { ...base, init: 'noise', seed: 5, iterations: 1 });
  const n2 = await gatys(vgg, content, [style], { ...base, init: 'noise', seed: 5, iterations: 1 });
  const n3 = await gatys(vgg, content, [style], { ...base, init: 'noise', seed: 6, iterations: 1 });
  assert.ok(n1.records[0].content > 0);
  assert.equal(n1.records[0].total, n2.records[0].total);
  assert.notEqual(n1.records[0].total, n3.records[0].total);
  // an init image is resized to the content's size; init = content image itself gives content 0
  const other = image(16, 20, 3);
  const fromImg = await gatys(vgg, content, [style], { ...base, init: other, iterations: 0 });
  assert.equal(fromImg.records.length, 1);
  const ref = await gatys(vgg, resizeImage(other, 8, 10), [style], { ...base, iterations: 0, contentWeight: 0 });
  close(fromImg.records[0].style, ref.records[0].style, 1e-5, 'style of the resized init');
  assert.equal((await gatys(vgg, content, [style], { ...base, init: content, iterations: 0 })).records[0].content, 0);
});

test('gatys: non-finite weights, pixels and losses are reported with the iteration; bad options are RangeErrors', async () => {
  const content = image(8, 8, 1), style = image(8, 8, 2);
  const base = { contentLayers: 'relu1_2', styleLayers: 'relu1_1' } as const;
  const bad = tinyVgg(2);
  bad.features.children()[2].parameters()[0].data[7] = NaN;
  await assert.rejects(gatys(bad, content, [style], base), /weights: features\.2\.weight \(conv1_2\) holds NaN values \(first at index 7\)/);
  const vgg = tinyVgg(2);
  const nanStyle = image(8, 8, 2);
  nanStyle.data[5] = NaN;
  await assert.rejects(gatys(vgg, content, [nanStyle], base), /the style image has a non-finite pixel value \(NaN at index 5\)/);
  await assert.rejects(gatys(vgg, content, [style], { ...base, styleWeight: 1e38 }), (e: unknown) => e instanceof NonFiniteLossError && e.iteration === 0 && /not finite at iteration 0/.test(e.message));
  await assert.rejects(gatys(vgg, content, [style], { ...base, optimizer: 'adam', learningRate: 1e30, iterations: 3 }),
    (e: unknown) => e instanceof NonFiniteLossError && e.iteration === 1 && /iteration 1.*diverged/.test(e.message));
  await assert.rejects(gatys(vgg, content, [style], { ...base, iterations: 1.5 }), /iterations must be an integer ≥ 0/);
  await assert.rejects(gatys(vgg, content, [style], { ...base, learningRate: -1 }), /learningRate must be a finite number > 0/);
  await assert.rejects(gatys(vgg, content, [style], { ...base, optimizer: 'sgd' as 'adam' }), /optimizer must be 'lbfgs' or 'adam'/);
  await assert.rejects(gatys(vgg, content, [style], { ...base, contentWeight: -1 }), /content weight must be a finite number ≥ 0/);
  await assert.rejects(gatys(vgg, Tensor.zeros([3, 8, 8]), [style], base), /content image must be an RGB image \[1, 3, H, W\]/);
  await assert.rejects(gatys(vgg, content, [], base), /at least one style image/);
  // a trainable network is frozen during the run and restored afterwards
  const trainable = tinyVgg(2);
  trainable.requiresGrad_(true);
  await gatys(trainable, content, [style], { ...base, iterations: 1 });
  assert.ok(trainable.parameters().every((p) => p.requiresGrad && p.grad === null));
});

test('network space: RGB 0–255 ↔ x for Caffe (minus mean) and torchvision (0–1, mean, std) preprocessing', () => {
  const img = image(4, 5, 3);
  for (const pre of [CAFFE_RGB, TORCHVISION]) {
    const vgg = tinyVgg(1, pre);
    const x = toNetworkSpace(vgg, img);
    assert.equal(x.requiresGrad, false);
    assert.deepEqual([...fromNetworkSpace(vgg, x).data], [...img.data]);
  }
  const caffe = toNetworkSpace(tinyVgg(1), img);
  close(caffe.data[0], img.data[0] - 123.68, 1e-6, 'R − mean');
  const y = fromNetworkSpace(tinyVgg(1), Tensor.from([-200, 200.4, 0.6, 0], [1, 1, 2, 2]));
  assert.deepEqual([...y.data], [0, 255, 124, 124]); // clamped and rounded (channel 0: + mean 123.68)
});

test('stylize: longest side, pixel-exact passthrough, style scale, multires levels, original colours', async () => {
  const vgg = tinyVgg(2);
  const content = image(12, 16, 1), style = image(20, 10, 2);
  const base = { contentLayers: 'relu1_2', styleLayers: 'relu1_1', iterations: 2 } as const;
  const same = await stylize(vgg, content, [style], { ...base, size: 16, iterations: 0 });
  assert.deepEqual([...same.image.data], [...content.data]); // already 16 px: not resampled
  const half = await stylize(vgg, content, [style], { ...base, size: 8 });
  assert.deepEqual(half.image.shape, [1, 3, 6, 8]);
  const levels: [number | undefined, number[] | undefined][] = [];
  const multi = await stylize(vgg, content, [style], { ...base, size: 16, multires: 2, onRecord: (r) => void levels.push([r.level, r.size]) });
  assert.deepEqual(multi.image.shape, [1, 3, 12, 16]);
  assert.deepEqual(levels.map((l) => l[0]), [0, 0, 0, 1, 1, 1]);
  assert.deepEqual(levels[0][1], [8, 6]);
  assert.deepEqual(levels[5][1], [16, 12]);
  assert.equal(multi.records.length, 6);
  // the second level starts from the first level's result, not from the content (content loss > 0 at its k = 0)
  assert.ok(multi.records[3].content > 0);
  const colors = await stylize(vgg, content, [style], { ...base, size: 16, originalColors: true });
  const plain = await stylize(vgg, content, [style], { ...base, size: 16 });
  assert.deepEqual([...colors.image.data], [...originalColors(content, plain.image).data]);
  await assert.rejects(stylize(vgg, content, [style], { ...base, styleScale: 0 }), /styleScale must be a finite number > 0/);
  await assert.rejects(stylize(vgg, content, [style], { ...base, size: 16, multires: 9 }), /9 levels are too many for size 16/);
});

test('originalColors: the result\'s luminance on the content\'s chrominance', () => {
  // mid-range colours, so that no channel clamps
  const mid = (seed: number) => new Tensor(image(5, 6, seed).data.map((v) => 70 + v * 0.45), [1, 3, 5, 6]);
  const c = mid(1), s = mid(2);
  const o = originalColors(c, s);
  const n = 30, luma = (t: Tensor, i: number) => 0.299 * t.data[i] + 0.587 * t.data[n + i] + 0.114 * t.data[2 * n + i];
  // luminance of the output = the stylised image's (up to rounding and clamping)
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(luma(o, i) - luma(s, i)));
  assert.ok(worst <= 1, `luma error ${worst}`);
  // a gray content image gives a gray result; the content itself is a fixed point
  const gray = new Tensor(new Float32Array(3 * n).map((_, i) => 50 + (i % n) * 5), [1, 3, 5, 6]);
  const og = originalColors(gray, s);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(og.data[i] - og.data[n + i]) <= 1 && Math.abs(og.data[i] - og.data[2 * n + i]) <= 1);
  originalColors(c, c).data.forEach((v, i) => assert.ok(Math.abs(v - c.data[i]) <= 1));
  assert.throws(() => originalColors(c, image(4, 6, 1)), /content image is 6×5 but the stylised image is 6×4/);
});

test('image helpers: resizeLongestSide keeps the aspect and passes exact sizes through; output type by extension; pyramid sizes', () => {
  const t = image(12, 16, 1);
  assert.equal(resizeLongestSide(t, 16), t);
  assert.deepEqual(resizeLongestSide(t, 8).shape, [1, 3, 6, 8]);
  assert.deepEqual(resizeLongestSide(image(16, 12, 1), 4).shape, [1, 3, 4, 3]);
  assert.deepEqual(resizeLongestSide(Tensor.zeros([3, 768, 1024]), 256).shape, [3, 192, 256]);
  assert.throws(() => resizeLongestSide(t, 0), /size must be a positive integer/);
  assert.equal(mimeForFileName('a/b.PNG'), 'image/png');
  assert.equal(mimeForFileName('x.jpeg'), 'image/jpeg');
  assert.equal(mimeForFileName('x.jpg'), 'image/jpeg');
  assert.equal(mimeForFileName('x.gif'), undefined);
  assert.equal(mimeForFileName('png'), undefined);
  assert.deepEqual(pyramidSizes(512, 3), [128, 256, 512]);
  assert.deepEqual(pyramidSizes(300, 1), [300]);
  assert.throws(() => pyramidSizes(512, 0), /levels must be a positive integer/);
});

test('layerGrad: S·F in bands of channels = one band, bit for bit; float32(kc·(F − P)) + ks·S·F; added into a gradient', () => {
  const rng = new Rng(5), C = 6, H = 3, W = 5, n = C * H * W;
  const act = Tensor.randn([1, C, H, W], { rng }), p = Tensor.randn([1, C, H, W], { rng }).data;
  const S = Tensor.randn([C, C], { rng }).data, kc = 0.37, ks = 1.9;
  const one = layerGrad(act, null, p, kc, S, ks);
  for (const band of [1, H * W, 2 * H * W + 1, 4 * H * W]) assert.deepEqual(layerGrad(act, null, p, kc, S, ks, band), one, `bands of ${band} floats`);
  const f = act.data;
  for (let c = 0; c < C; c++) {
    for (let j = 0; j < H * W; j++) {
      let sf = 0;
      for (let k = 0; k < C; k++) sf += S[c * C + k] * f[k * H * W + j];
      const i = c * H * W + j, want = Math.fround(kc * (f[i] - p[i])) + ks * sf;
      assert.ok(Math.abs(one[i] - want) <= 1e-5 * (Math.abs(want) + 1), `[${i}] ${one[i]} vs ${want}`);
    }
  }
  // content only, style only
  assert.deepEqual(layerGrad(act, null, p, kc, null, 0), Float32Array.from(f, (v, i) => kc * (v - p[i])));
  assert.deepEqual(layerGrad(act, null, null, 0, S, ks, H * W), layerGrad(act, null, null, 0, S, ks));
  // into: the same as adding the new array in float32
  const base = Tensor.randn([n], { rng }).data, into = base.slice();
  assert.equal(layerGrad(act, into, p, kc, S, ks, H * W), into);
  assert.deepEqual(into, Float32Array.from(base, (v, i) => v + one[i]));
});
