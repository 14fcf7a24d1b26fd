// TF.js model.json + shards: the shared partial VGG-19 loads its 8 present groups, reports the 11
// absent ones, and matches the safetensors conversion (HWIO → OIHW, BGR → RGB on conv1_1) both as
// weights and as conv1_1 outputs; in-memory models cover quantization, float16, tensors split across
// shards, and the errors (partial group, wrong shard size, paths leaving the folder).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Tensor } from '../../src/tensor.js';
import { noGrad } from '../../src/autograd.js';
import { FormatError } from '../../src/io/safetensors.js';
import { flipInputChannels, hwioToOihw } from '../../src/io/keras_h5.js';
import { loadTfjsWeights } from '../../src/io/tfjs_layers.js';
import { VGG } from '../../src/style/vgg.js';
import { readWeights } from '../../src/node/weights.js';
import { sharedDir } from '../helpers/shared.js';
import { withBackend } from '../helpers/backends.js';

const models = path.join(sharedDir, 'models');
const tfjsDir = path.join(models, 'vgg19-keras-tfjs-partial');
const stFile = path.join(models, 'vgg19-features-conv1_1-conv3_4.safetensors');
const needsModels = existsSync(tfjsDir) && existsSync(stFile) ? false : `needs ${tfjsDir} and ${stFile}`;

const KERAS = ['block1_conv1', 'block1_conv2', 'block2_conv1', 'block2_conv2', 'block3_conv1', 'block3_conv2', 'block3_conv3', 'block3_conv4'];
const INDEX = [0, 2, 5, 7, 10, 12, 14, 16];

test('partial VGG-19: groups 1–8 load, groups 9–19 are reported missing', { skip: needsModels }, async () => {
  const w = await readWeights(tfjsDir);
  assert.equal(w.format, 'tfjs-layers');
  assert.deepEqual([...w.tensors.keys()], KERAS.flatMap((k) => [`${k}/kernel`, `${k}/bias`]));
  assert.deepEqual(w.tensors.get('block3_conv4/kernel')!.shape, [3, 3, 256, 256]);
  assert.deepEqual(w.tensors.get('block1_conv1/kernel')!.shape, [3, 3, 3, 64]);
  assert.equal(w.missing.length, 22);
  assert.deepEqual(w.missing.slice(0, 2), ['block4_conv1/kernel', 'block4_conv1/bias']);
  assert.equal(w.missing.at(-1), 'predictions/bias');
  assert.match(w.metadata.missing, /^block4_conv1, block4_conv2, .*, fc1, fc2, predictions$/);
  // the model.json path itself works too
  assert.equal((await readWeights(path.join(tfjsDir, 'model.json'))).tensors.size, 16);
});

test('TF.js weights = safetensors weights after HWIO → OIHW (and BGR → RGB for conv1_1)', { skip: needsModels }, async () => {
  const tf = await readWeights(tfjsDir);
  const st = await readWeights(stFile);
  KERAS.forEach((k, j) => {
    let oihw = hwioToOihw(tf.tensors.get(`${k}/kernel`)!);
    if (j === 0) oihw = flipInputChannels(oihw);
    const ref = st.tensors.get(`features.${INDEX[j]}.weight`)!;
    assert.deepEqual(oihw.shape, ref.shape, k);
    assert.ok(oihw.data.every((v, i) => v === ref.data[i]), `${k}: kernel differs`);
    assert.deepEqual(tf.tensors.get(`${k}/bias`)!.data, st.tensors.get(`features.${INDEX[j]}.bias`)!.data, `${k}: bias`);
  });
});

test('conv1_1 outputs: TF.js path (BGR input, HWIO kernel) = safetensors VGG on RGB input', { skip: needsModels }, async () => {
  const tf = await readWeights(tfjsDir);
  const vgg = VGG.fromWeights(await readWeights(stFile));
  const S = 16;
  const px = (h: number, w: number, c: number) => (h * 7 + w * 13 + c * 29) % 256; // c: 0 = R
  const rgb = new Tensor(Float32Array.from({ length: 3 * S * S }, (_, i) => px(Math.floor(i / S) % S, i % S, Math.floor(i / (S * S)))), [1, 3, S, S]);
  const got = withBackend('wasm', () => noGrad(() => vgg.extract(rgb, ['conv1_1']).get('conv1_1')!));
  const K = tf.tensors.get('block1_conv1/kernel')!.data, B = tf.tensors.get('block1_conv1/bias')!.data;
  const meanBgr = [103.939, 116.779, 123.68];
  let worst = 0, largest = 0;
  for (let o = 0; o < 64; o++) for (let h = 0; h < S; h++) for (let w = 0; w < S; w++) {
    let s = B[o];
    for (let dh = 0; dh < 3; dh++) for (let dw = 0; dw < 3; dw++) {
      const hh = h + dh - 1, ww = w + dw - 1;
      if (hh < 0 || hh >= S || ww < 0 || ww >= S) continue;
      for (let c = 0; c < 3; c++) s += K[((dh * 3 + dw) * 3 + c) * 64 + o] * (px(hh, ww, 2 - c) - meanBgr[c]);
    }
    worst = Math.max(worst, Math.abs(got.data[(o * S + h) * S + w] - s));
    largest = Math.max(largest, Math.abs(s));
  }
  assert.ok(largest > 100, `activations are in the hundreds (${largest})`);
  assert.ok(worst < 1e-3, `max |diff| ${worst} against values up to ${largest}`);
});

// ---- in-memory models ----
const u8 = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

test('quantized uint8/uint16, float16, int32 and a tensor split across two shards', () => {
  const a = Float32Array.from({ length: 5 }, (_, i) => i * 1.5 - 2);
  const bytes = concat(u8(a), Uint8Array.of(0, 10, 255), u8(Uint16Array.of(0x3c00, 0xc000, 0x3400)), u8(Uint16Array.of(2, 65535)), u8(Int32Array.of(-7, 9)));
  const model = {
    format: 'layers-model', generatedBy: 'keras v2.4.0', convertedBy: 'TensorFlow.js Converter v3.0.0',
    weightsManifest: [{
      paths: ['g1-shard1of2', 'g1-shard2of2'],
      weights: [
        { name: 'a', shape: [5], dtype: 'float32' },
        { name: 'q8', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
        { name: 'h', shape: [3], dtype: 'float32', quantization: { dtype: 'float16' } },
        { name: 'q16', shape: [2], dtype: 'float32', quantization: { dtype: 'uint16', scale: 0.001, min: 0 } },
        { name: 'i', shape: [1, 2], dtype: 'int32' },
      ],
    }],
  };
  const files = new Map([['g1-shard1of2', bytes.subarray(0, 7)], ['g1-shard2of2', bytes.subarray(7)]]); // split inside 'a'
  const r = loadTfjsWeights(JSON.stringify(model), (p) => files.get(p));
  assert.deepEqual(r.tensors.get('a')!.data, a);
  assert.deepEqual([...r.tensors.get('q8')!.data], [-1, 4, 126.5]);
  assert.deepEqual([...r.tensors.get('h')!.data], [1, -2, 0.25]);
  assert.deepEqual([...r.tensors.get('q16')!.data], [0.002, 65.535].map(Math.fround));
  assert.deepEqual(r.tensors.get('i')!.toArray(), [[-7, 9]]);
  assert.equal(r.metadata.convertedBy, 'TensorFlow.js Converter v3.0.0');
  assert.deepEqual(r.missingGroups, []);
});

test('errors: a group with only some shards, a shard of the wrong size, bad manifests', () => {
  const model = { weightsManifest: [{ paths: ['s1', 's2'], weights: [{ name: 'w', shape: [4], dtype: 'float32' }] }] };
  const err = (fn: () => unknown, pattern: RegExp) => assert.throws(fn, (e: unknown) => e instanceof FormatError && /^m\/model\.json: /.test(e.message) && pattern.test(e.message));
  err(() => loadTfjsWeights(model, (p) => (p === 's1' ? new Uint8Array(8) : undefined), 'm/model.json'), /group 1 \(w\): missing shard file 's2' while 1 other shard\(s\) of the group exist/);
  err(() => loadTfjsWeights(model, () => new Uint8Array(4), 'm/model.json'), /group 1: shards s1, s2 hold 8 bytes but its weights need 16 \(truncated shard\?\)/);
  err(() => loadTfjsWeights({ weightsManifest: [{ paths: ['../../etc/passwd'], weights: [] }] }, () => undefined, 'm/model.json'), /leaves the model folder/);
  err(() => loadTfjsWeights({ modelTopology: {} }, () => undefined, 'm/model.json'), /no 'weightsManifest' list/);
  err(() => loadTfjsWeights({ weightsManifest: [{ paths: ['s'], weights: [{ name: 'x', shape: [1], dtype: 'string' }] }] }, () => undefined, 'm/model.json'), /unsupported dtype 'string'/);
  err(() => loadTfjsWeights('{oops', () => undefined, 'm/model.json'), /not valid JSON/);
  // an absent group is not an error
  assert.deepEqual(loadTfjsWeights(model, () => undefined, 'm/model.json').missingGroups, [{ group: 0, paths: ['s1', 's2'], weights: ['w'] }]);
});
