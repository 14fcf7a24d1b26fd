// Model files → networks: every layout is recognised by its tensor names, and a wrong file says
// which file and what is wrong (unknown layout: the expected ones are listed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor.js';
import { FormatError } from '../../src/io/safetensors.js';
import { ENGSTROM_VARIABLE_NAMES } from '../../src/io/ml5_checkpoint.js';
import { fastNetFromWeights, engstromStateDict } from '../../src/fast/load.js';
import { EngstromNet } from '../../src/fast/engstrom.js';
import { TransformerNet } from '../../src/fast/transformer_net.js';
import { Rng } from '../../src/rng.js';

/** Engstrom's variables with TF shapes, each filled with its index (to follow them through the renames). */
function tfTensors(): Map<string, Tensor> {
  const net = new EngstromNet();
  const sd = net.stateDict();
  const m = new Map<string, Tensor>();
  ENGSTROM_VARIABLE_NAMES.forEach((name, k) => {
    const layer = name.slice(0, name.lastIndexOf('.'));
    const w = sd[`${layer}.weight`];
    const shape = name.endsWith('.kernel') ? [w.shape[2], w.shape[3], w.shape[1], w.shape[0]] : [sd[`${layer}.norm.weight`].shape[0]];
    m.set(name, Tensor.from(Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => k + i / 1e6), shape));
  });
  return m;
}

test('Engstrom TF tensors: HWIO kernels become OIHW, scale → norm.weight, shift → norm.bias', () => {
  const tf = tfTensors();
  const sd = engstromStateDict(tf, 'x.safetensors');
  const k = tf.get('conv2.kernel')!; // [3, 3, 32, 64]
  const w = sd['conv2.weight'];
  assert.deepEqual(w.shape, [64, 32, 3, 3]);
  // w[o, i, h, v] = k[h, v, i, o]
  for (const [o, i, h, v] of [[0, 0, 0, 0], [5, 7, 1, 2], [63, 31, 2, 1]]) {
    assert.equal(w.data[((o * 32 + i) * 3 + h) * 3 + v], k.data[((h * 3 + v) * 32 + i) * 64 + o]);
  }
  // deconv1: TF [3, 3, 64 out, 128 in] → torch conv_transpose2d [128 in, 64 out, 3, 3]
  assert.deepEqual(sd['deconv1.weight'].shape, [128, 64, 3, 3]);
  assert.equal(sd['res2.conv_b.norm.weight'], tf.get('res2.conv_b.scale'));
  assert.equal(sd['res2.conv_b.norm.bias'], tf.get('res2.conv_b.shift'));
  const { arch, net } = fastNetFromWeights({ file: 'x.safetensors', tensors: tf });
  assert.equal(arch, 'engstrom');
  assert.ok(net instanceof EngstromNet && !net.training);
});

test('ml5 names (Variable … Variable_47) load as Engstrom too', () => {
  const tf = tfTensors();
  const ml5 = new Map([...tf.values()].map((t, k) => [k === 0 ? 'Variable' : `Variable_${k}`, t]));
  const a = fastNetFromWeights({ file: 'a', tensors: tf }).net.stateDict();
  const b = fastNetFromWeights({ file: 'b', tensors: ml5 }).net.stateDict();
  for (const k of Object.keys(a)) assert.deepEqual([...a[k].data], [...b[k].data], k);
});

test('a ganstyle state dict round-trips for both networks', () => {
  const e = new EngstromNet();
  e.conv1.weight.data.fill(0.5);
  const j = new TransformerNet({ rng: new Rng(1) });
  const le = fastNetFromWeights({ file: 'e', tensors: new Map(Object.entries(e.stateDict())) });
  const lj = fastNetFromWeights({ file: 'j', tensors: new Map(Object.entries(j.stateDict())) });
  assert.equal(le.arch, 'engstrom');
  assert.equal(lj.arch, 'johnson');
  assert.equal(le.net.stateDict()['conv1.weight'].data[3], 0.5);
  assert.deepEqual([...lj.net.stateDict()['res3.conv2.conv2d.weight'].data.subarray(0, 5)], [...j.res[2].conv2.conv2d.weight.data.subarray(0, 5)]);
});

test('old fast_neural_style checkpoints: InstanceNorm running stats are dropped as the example does', () => {
  const sd = new Map(Object.entries(new TransformerNet().stateDict()));
  sd.set('in1.running_mean', Tensor.zeros([32]));
  sd.set('res1.in2.running_var', Tensor.ones([128]));
  assert.equal(fastNetFromWeights({ file: 'old.pth', tensors: sd }).arch, 'johnson');
});

test('errors name the file and the problem', () => {
  assert.throws(() => fastNetFromWeights({ file: 'vgg.safetensors', tensors: new Map([['features.0.weight', Tensor.zeros([1])]]) }), (e: Error) => {
    assert.ok(e instanceof FormatError);
    assert.match(e.message, /^vgg\.safetensors: not a fast style network: tensors 'features\.0\.weight' match none of the known layouts/);
    assert.match(e.message, /fast_neural_style TransformerNet/);
    assert.match(e.message, /ml5 checkpoint folder/);
    assert.match(e.message, /conv1\.kernel/);
    return true;
  });
  const tf = tfTensors();
  tf.delete('res4.conv_a.shift');
  assert.throws(() => fastNetFromWeights({ file: 'half.safetensors', tensors: tf }), /^FormatError: half\.safetensors: tensor 'res4\.conv_a\.shift' is missing/);
  const bad = tfTensors();
  bad.set('conv1.kernel', Tensor.zeros([9, 9, 3, 16]));
  assert.throws(() => fastNetFromWeights({ file: 'bad.safetensors', tensors: bad }), /bad\.safetensors: .*size mismatch for conv1\.weight/s);
  const j = new Map(Object.entries(new TransformerNet().stateDict()));
  j.delete('deconv3.conv2d.bias');
  assert.throws(() => fastNetFromWeights({ file: 'net.pth', tensors: j }), /net\.pth: .*Missing key\(s\) in state_dict: "deconv3\.conv2d\.bias"/s);
});

test('the light network (fast train --arch mobile) is told apart from TransformerNet', async () => {
  const { MobileStyleNet } = await import('../../src/fast/mobile_net.js');
  const m = new MobileStyleNet({ rng: new Rng(2) });
  const loaded = fastNetFromWeights({ file: 'mobile.safetensors', tensors: new Map(Object.entries(m.stateDict())) });
  assert.equal(loaded.arch, 'mobile');
  assert.ok(loaded.net instanceof MobileStyleNet);
});
