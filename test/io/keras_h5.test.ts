// Keras HDF5 weights: the shared fixture reproduces its .expect.json, the HWIO → OIHW and BGR → RGB
// conversions follow their definitions, a VGG built from the h5 matches a direct Keras-convention
// convolution, and truncated or foreign files fail with errors naming the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/rng.js';
import { noGrad } from '../../src/autograd.js';
import { FormatError } from '../../src/io/safetensors.js';
import { flipInputChannels, hwioToOihw, parseKerasH5 } from '../../src/io/keras_h5.js';
import { VGG } from '../../src/style/vgg.js';
import { readWeights } from '../../src/node/weights.js';
import { sharedDir } from '../helpers/shared.js';
import { withBackend } from '../helpers/backends.js';

const fixture = path.join(sharedDir, 'fixtures', 'vgg19-notop-head.h5');
const needsFixture = existsSync(fixture) ? false : `needs ${fixture}`;

test('vgg19-notop-head.h5 reproduces vgg19-notop-head.expect.json', { skip: needsFixture }, async () => {
  const { tensors, metadata, layers } = await parseKerasH5(new Uint8Array(readFileSync(fixture)), fixture);
  const expect = JSON.parse(readFileSync(fixture.replace(/\.h5$/, '.expect.json'), 'utf8')) as Record<string, { shape: number[]; sum: number; first: number[] }>;
  assert.deepEqual([...tensors.keys()], Object.keys(expect));
  for (const [name, e] of Object.entries(expect)) {
    const t = tensors.get(name)!;
    assert.deepEqual(t.shape, e.shape, name);
    const sum = t.data.reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(sum - e.sum) <= 1e-6 * Math.max(1, Math.abs(e.sum)), `${name}: sum ${sum} vs ${e.sum}`);
    assert.deepEqual([...t.data.subarray(0, 4)], e.first.map(Math.fround), `${name}: first values`);
  }
  assert.equal(metadata.keras_version, '2.1.4');
  assert.deepEqual(layers.map((l) => l.name), ['input_1', 'block1_conv1', 'block1_conv2', 'block1_pool', 'block2_conv1', 'block2_conv2', 'block2_pool']);
  assert.deepEqual(layers[1].weights, ['block1_conv1/kernel:0', 'block1_conv1/bias:0']);
});

test('hwioToOihw: W[o, i, h, w] = K[h, w, i, o]; flipInputChannels reverses i', () => {
  const k = Tensor.randn([3, 2, 4, 5], { rng: new Rng(1) });
  const w = hwioToOihw(k);
  assert.deepEqual(w.shape, [5, 4, 3, 2]);
  const at = (t: Tensor, idx: number[]) => t.data[idx.reduce((a, x, d) => a * t.shape[d] + x, 0)];
  for (const [o, i, h, x] of [[0, 0, 0, 0], [4, 3, 2, 1], [2, 1, 0, 1], [3, 0, 2, 0]]) {
    assert.equal(at(w, [o, i, h, x]), at(k, [h, x, i, o]));
  }
  const f = flipInputChannels(w);
  for (const [o, i, h, x] of [[0, 0, 0, 0], [4, 3, 2, 1], [1, 2, 1, 0]]) assert.equal(at(f, [o, i, h, x]), at(w, [o, 3 - i, h, x]));
  assert.throws(() => hwioToOihw(Tensor.zeros([3, 3, 3])), /hwioToOihw: expected a kernel \[kh, kw, Cin, Cout\], got \[3, 3, 3\]/);
});

test('a VGG built from the h5 (RGB input) equals the Keras convolution on BGR input with HWIO kernels', { skip: needsFixture }, async () => {
  const w = await readWeights(fixture);
  assert.equal(w.format, 'keras-h5');
  const vgg = VGG.fromWeights(w);
  assert.equal(vgg.layerNames().at(-1), 'pool2');
  assert.equal(vgg.preprocessing.channelOrder, 'RGB');
  assert.deepEqual(vgg.preprocessing.mean, [123.68, 116.779, 103.939]);
  const H = 6, W = 5;
  const rgb = Tensor.from(Array.from({ length: 3 * H * W }, (_, i) => (i * 37) % 256), [1, 3, H, W]);
  const got = withBackend('wasm', () => noGrad(() => vgg.extract(rgb, ['conv1_1']).get('conv1_1')!));
  // Keras path: x_bgr[h, w, c] = pixel[h, w, 2 - c] − mean_bgr[c]; y[h, w, o] = b[o] + Σ K[dh, dw, c, o] x[h+dh−1, w+dw−1, c]
  const K = w.tensors.get('block1_conv1/kernel:0')!, B = w.tensors.get('block1_conv1/bias:0')!;
  const meanBgr = [103.939, 116.779, 123.68];
  let worst = 0;
  for (let o = 0; o < 64; o++) for (let h = 0; h < H; h++) for (let x = 0; x < W; x++) {
    let s = B.data[o];
    for (let dh = 0; dh < 3; dh++) for (let dw = 0; dw < 3; dw++) {
      const hh = h + dh - 1, ww = x + dw - 1;
      if (hh < 0 || hh >= H || ww < 0 || ww >= W) continue;
      for (let c = 0; c < 3; c++) s += K.data[((dh * 3 + dw) * 3 + c) * 64 + o] * (rgb.data[((2 - c) * H + hh) * W + ww] - meanBgr[c]);
    }
    worst = Math.max(worst, Math.abs(got.data[(o * H + h) * W + x] - s));
  }
  assert.ok(worst < 1e-3, `max |diff| ${worst}`);
});

test('truncated, foreign and non-Keras HDF5 files: errors naming the file', { skip: needsFixture }, async () => {
  const bytes = new Uint8Array(readFileSync(fixture));
  await assert.rejects(parseKerasH5(bytes.subarray(0, 500_000), 'cut.h5'), (e: unknown) => {
    assert.ok(e instanceof FormatError);
    assert.match(e.message, /^cut\.h5: truncated HDF5 file: the superblock says it has 1060192 bytes but only 500000 are present/);
    return true;
  });
  await assert.rejects(parseKerasH5(new TextEncoder().encode('{"not": "hdf5"}'), 'x.h5'), /^FormatError: x\.h5: not an HDF5 file/);
  // a valid HDF5 file without Keras's layer_names
  const h5 = await import('h5wasm');
  await h5.ready;
  const f = new h5.File('/plain-test.h5', 'w');
  f.create_dataset({ name: 'x', data: Float32Array.of(1, 2) });
  f.close();
  const plain = h5.FS!.readFile('/plain-test.h5');
  h5.FS!.unlink('/plain-test.h5');
  await assert.rejects(parseKerasH5(plain, 'plain.h5'), /^FormatError: plain\.h5: no 'layer_names' attribute .* not a Keras save_weights file/);
});
