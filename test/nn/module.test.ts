// Module bookkeeping against torch's conventions: dotted names and their order, state dicts
// (round trip, strict errors in torch's wording), modes, gradients, printing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/rng.js';
import {
  BatchNorm2d, Conv2d, Dropout, InstanceNorm2d, LeakyReLU, Linear, Module, ModuleList, ReflectionPad2d, ReLU, Sequential,
  StateDictError, Upsample,
} from '../../src/nn/index.js';
import { needsShared, sharedDir } from '../helpers/shared.js';

// torch: self.main = Sequential(Conv2d(3,8,3), BatchNorm2d(8), LeakyReLU(0.2), Conv2d(8,4,3,bias=False), BatchNorm2d(4));
//        self.head = Linear(4, 1); plus a parameter `scale` registered on the root before its children.
class Net extends Module {
  readonly scale = this.registerParameter('scale', Tensor.ones([1]));
  readonly main: Sequential;
  readonly head: Linear;
  constructor(seed: number) {
    super();
    const rng = new Rng(seed);
    this.main = this.registerModule('main', new Sequential(
      new Conv2d(3, 8, 3, { rng }), new BatchNorm2d(8), new LeakyReLU(0.2), new Conv2d(8, 4, 3, { bias: false, rng }), new BatchNorm2d(4),
    ));
    this.head = this.registerModule('head', new Linear(4, 1, { rng }));
  }
  forward(x: Tensor): Tensor {
    const h = this.main.forward(x).mean([2, 3]);
    return this.head.forward(h).mul(this.scale);
  }
}

test('namedParameters: dotted names in torch order (own parameters first, then children in preorder)', () => {
  const net = new Net(1);
  assert.deepEqual(net.namedParameters().map(([n]) => n), [
    'scale', 'main.0.weight', 'main.0.bias', 'main.1.weight', 'main.1.bias', 'main.3.weight', 'main.4.weight', 'main.4.bias', 'head.weight', 'head.bias',
  ]);
  assert.deepEqual(net.namedParameters().map(([, p]) => p.shape), [[1], [8, 3, 3, 3], [8], [8], [8], [4, 8, 3, 3], [4], [4], [1, 4], [1]]);
  assert.ok(net.parameters().every((p) => p.requiresGrad && p.isLeaf));
  assert.equal(net.parameters()[1], net.main.at(0).parameters()[0]);
  assert.deepEqual(net.namedBuffers().map(([n]) => n), [
    'main.1.running_mean', 'main.1.running_var', 'main.1.num_batches_tracked', 'main.4.running_mean', 'main.4.running_var', 'main.4.num_batches_tracked',
  ]);
  assert.ok(net.buffers().every((b) => !b.requiresGrad));
  assert.deepEqual(net.namedModules().map(([n]) => n), ['', 'main', 'main.0', 'main.1', 'main.2', 'main.3', 'main.4', 'head']);
});

test('stateDict: per module parameters then persistent buffers, then children (torch order)', () => {
  const sd = new Net(1).stateDict();
  assert.deepEqual(Object.keys(sd), [
    'scale',
    'main.0.weight', 'main.0.bias',
    'main.1.weight', 'main.1.bias', 'main.1.running_mean', 'main.1.running_var', 'main.1.num_batches_tracked',
    'main.3.weight',
    'main.4.weight', 'main.4.bias', 'main.4.running_mean', 'main.4.running_var', 'main.4.num_batches_tracked',
    'head.weight', 'head.bias',
  ]);
  assert.deepEqual(sd['main.1.num_batches_tracked'].shape, []);
  assert.deepEqual(Array.from(sd['main.1.running_var'].data), new Array(8).fill(1));
});

test('non-persistent buffers and shared parameters', () => {
  class M extends Module {
    readonly a = this.registerModule('a', new Linear(2, 2));
    readonly b = this.registerModule('b', this.a); // the same module twice (weight tying)
    readonly tmp = this.registerBuffer('tmp', Tensor.zeros([3]), { persistent: false });
    forward(x: Tensor) { return x; }
  }
  const m = new M();
  assert.deepEqual(m.namedParameters().map(([n]) => n), ['a.weight', 'a.bias']); // listed once, as torch
  assert.deepEqual(Object.keys(m.stateDict()), ['a.weight', 'a.bias', 'b.weight', 'b.bias']); // state_dict keeps both
  assert.deepEqual(m.namedBuffers().map(([n]) => n), ['tmp']);
});

test('stateDict shares memory with the module; loadStateDict copies in place', () => {
  const a = new Linear(3, 2, { rng: new Rng(1) });
  const sd = a.stateDict();
  sd['weight'].data[0] = 42;
  assert.equal(a.weight.data[0], 42);
  const b = new Linear(3, 2, { rng: new Rng(2) });
  const w = b.weight;
  b.loadStateDict(a.stateDict());
  assert.equal(b.weight, w, 'parameter identity is kept (optimizers hold references)');
  assert.notEqual(b.weight.data, a.weight.data, 'values are copied, not aliased');
  assert.deepEqual(Array.from(b.weight.data), Array.from(a.weight.data));
});

test('loadStateDict round trip: another instance gives identical outputs (train-mode stats included)', () => {
  const a = new Net(1), b = new Net(2);
  const x = Tensor.randn([4, 3, 7, 7], { rng: new Rng(9) });
  a.forward(x); a.forward(x.mul(2)); // moves running stats and num_batches_tracked
  a.eval(); b.eval();
  const ya = a.forward(x);
  assert.notDeepEqual(Array.from(b.forward(x).data), Array.from(ya.data));
  const r = b.loadStateDict(a.stateDict());
  assert.deepEqual(r, { missingKeys: [], unexpectedKeys: [] });
  assert.deepEqual(Array.from(b.forward(x).data), Array.from(ya.data));
  assert.equal(b.main.at(1).namedBuffers()[2][1].item(), 2);
});

test('loadStateDict strict: missing and unexpected keys in torch wording, nothing copied', () => {
  const src = new Linear(3, 2, { rng: new Rng(1) }).stateDict();
  const dst = new Linear(3, 2, { rng: new Rng(2) });
  const before = Array.from(dst.weight.data);
  const sd = { weight: src['weight'], extra: Tensor.zeros([1]), 'other.bias': Tensor.zeros([2]) };
  assert.throws(() => dst.loadStateDict(sd), (e: unknown) => {
    assert.ok(e instanceof StateDictError);
    assert.equal(e.message, 'Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: "bias". \n\tUnexpected key(s) in state_dict: "extra", "other.bias". ');
    assert.deepEqual(e.missingKeys, ['bias']);
    assert.deepEqual(e.unexpectedKeys, ['extra', 'other.bias']);
    return true;
  });
  assert.deepEqual(Array.from(dst.weight.data), before, 'a failed load changes nothing');
  // strict: false loads what matches and reports the rest.
  const r = dst.loadStateDict(sd, { strict: false });
  assert.deepEqual(r, { missingKeys: ['bias'], unexpectedKeys: ['extra', 'other.bias'] });
  assert.deepEqual(Array.from(dst.weight.data), Array.from(src['weight'].data));
});

test('loadStateDict: a shape mismatch names the key and both shapes, even when not strict', () => {
  const net = new Sequential(new Linear(3, 2));
  const sd = { '0.weight': Tensor.zeros([2, 4]), '0.bias': Tensor.zeros([2]) };
  for (const strict of [true, false]) {
    assert.throws(() => net.loadStateDict(sd, { strict }), (e: unknown) => {
      assert.ok(e instanceof StateDictError);
      assert.match(e.message, /^Error\(s\) in loading state_dict for Sequential:\n\tsize mismatch for 0\.weight: copying a param with shape \[2, 4\] from checkpoint, the shape in current model is \[2, 3\]\.$/);
      assert.deepEqual(e.mismatchedKeys, ['0.weight']);
      return true;
    });
  }
  assert.throws(() => net.loadStateDict({ '0.weight': [1, 2] as unknown as Tensor, '0.bias': Tensor.zeros([2]) }), /value for 0\.weight is not a Tensor/);
});

test('loadStateDict: num_batches_tracked may be absent (torch, no version metadata) and 0-d accepts [1]', () => {
  const bn = new BatchNorm2d(2);
  bn.num_batches_tracked!.data[0] = 7;
  const sd = bn.stateDict();
  const { num_batches_tracked: _, ...rest } = sd;
  assert.deepEqual(bn.loadStateDict(rest), { missingKeys: [], unexpectedKeys: [] });
  assert.equal(bn.num_batches_tracked!.item(), 0);
  bn.loadStateDict({ ...rest, num_batches_tracked: Tensor.from([5]) });
  assert.equal(bn.num_batches_tracked!.item(), 5);
  const { running_var: __, ...noVar } = rest;
  assert.throws(() => bn.loadStateDict(noVar), /Missing key\(s\) in state_dict: "running_var"/);
});

test('train()/eval() recurse and return the module', () => {
  const net = new Net(1);
  assert.ok(net.modules().every((m) => m.training));
  assert.equal(net.eval(), net);
  assert.ok(net.modules().every((m) => !m.training));
  net.train();
  assert.ok(net.modules().every((m) => m.training));
});

test('gradients reach every parameter; zeroGrad clears them; requiresGrad_(false) freezes', () => {
  const net = new Net(1);
  const x = Tensor.randn([2, 3, 6, 6], { rng: new Rng(3) });
  net.call(x).sum().backward();
  for (const [n, p] of net.namedParameters()) {
    assert.ok(p.grad !== null, `${n} has a gradient`);
    assert.deepEqual(p.grad.shape, p.shape);
    assert.ok(p.grad.data.some((v) => v !== 0), `${n} gradient is not all zero`);
  }
  net.zeroGrad();
  assert.ok(net.parameters().every((p) => p.grad === null));
  net.main.requiresGrad_(false);
  net.forward(x).sum().backward();
  assert.ok(net.main.parameters().every((p) => p.grad === null));
  assert.ok(net.head.weight.grad !== null);
});

test('apply visits children before the module (torch), e.g. DCGAN weights_init', () => {
  const net = new Net(1);
  const seen: string[] = [];
  net.apply((m) => seen.push(m.constructor.name));
  assert.deepEqual(seen, ['Conv2d', 'BatchNorm2d', 'LeakyReLU', 'Conv2d', 'BatchNorm2d', 'Sequential', 'Linear', 'Net']);
});

test('registration errors: duplicate names, dots, integer parameter names, non-leaf parameters', () => {
  class M extends Module { forward(x: Tensor) { return x; } }
  const m = new M();
  m.registerParameter('w', Tensor.zeros([1]));
  assert.throws(() => m.registerParameter('w', Tensor.zeros([1])), /parameter name 'w' is already registered/);
  assert.throws(() => m.registerBuffer('w', Tensor.zeros([1])), /buffer name 'w' is already taken by a parameter/);
  assert.throws(() => m.registerModule('w', new ReLU()), /module name 'w' is already taken by a parameter/);
  assert.throws(() => m.registerParameter('a.b', null), /without '\.'/);
  assert.throws(() => m.registerParameter('3', null), /must not be an integer/);
  const leaf = Tensor.ones([2], { requiresGrad: true });
  assert.throws(() => m.registerParameter('v', leaf.mul(2)), /must be a leaf/);
  assert.throws(() => m.registerModule('x', {} as Module), /not a Module/);
  m.registerModule('r', new ReLU());
  const l = m.registerModule('r', new LeakyReLU()); // replacing a submodule is allowed (torch)
  assert.equal(m.children()[0], l);
});

test('Sequential: numeric names, indexing, append, slice keeps names, named children from a record', () => {
  const a = new Linear(2, 3), r = new ReLU(), b = new Linear(3, 1);
  const s = new Sequential(a, r, b);
  assert.equal(s.length, 3);
  assert.equal(s[0], a);
  assert.equal(s.at(-1), b);
  assert.throws(() => s.at(3), /Sequential: index 3 is out of range \(length 3\)/);
  assert.deepEqual([...s], [a, r, b]);
  const tail = s.slice(1);
  assert.deepEqual(Object.keys(tail.stateDict()), ['2.weight', '2.bias']);
  assert.equal(tail[1], b);
  const x = Tensor.randn([4, 2], { rng: new Rng(1) });
  assert.deepEqual(Array.from(s.forward(x).data), Array.from(b.forward(r.forward(a.forward(x))).data));
  assert.throws(() => tail.append(new ReLU()), /a child named '2' already exists/);
  s.append(new ReLU());
  assert.equal(s.namedChildren()[3][0], '3');
  const named = new Sequential({ fc: new Linear(2, 2), act: new ReLU() });
  assert.deepEqual(Object.keys(named.stateDict()), ['fc.weight', 'fc.bias']);
  assert.ok(named[1] instanceof ReLU);
  const list = new ModuleList([new Linear(1, 1), new Linear(1, 1)]);
  assert.deepEqual(list.namedParameters().map(([n]) => n), ['0.weight', '0.bias', '1.weight', '1.bias']);
  assert.throws(() => list.forward(), /ModuleList: has no forward/);
});

test('toString prints torch\'s nested repr', () => {
  const s = new Sequential(new Conv2d(3, 8, 4, { stride: 2, padding: 1, bias: false }), new BatchNorm2d(8), new LeakyReLU(0.2), new Sequential(new Dropout(0.3), new Linear(2, 1)));
  assert.equal(s.toString(), [
    'Sequential(',
    '  (0): Conv2d(3, 8, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)',
    '  (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)',
    '  (2): LeakyReLU(negative_slope=0.2)',
    '  (3): Sequential(',
    '    (0): Dropout(p=0.3, inplace=False)',
    '    (1): Linear(in_features=2, out_features=1, bias=True)',
    '  )',
    ')',
  ].join('\n'));
});

// The fast-neural-style TransformerNet of pytorch/examples, built from these layers; its state_dict
// keys, order and shapes must equal the list torch wrote to the fixture.
class ConvLayer extends Module {
  readonly reflection_pad: ReflectionPad2d;
  readonly conv2d: Conv2d;
  constructor(cin: number, cout: number, k: number, stride: number) {
    super();
    this.reflection_pad = this.registerModule('reflection_pad', new ReflectionPad2d(Math.floor(k / 2)));
    this.conv2d = this.registerModule('conv2d', new Conv2d(cin, cout, k, { stride }));
  }
  forward(x: Tensor) { return this.conv2d.forward(this.reflection_pad.forward(x)); }
}
class ResidualBlock extends Module {
  readonly conv1: ConvLayer; readonly in1: InstanceNorm2d; readonly conv2: ConvLayer; readonly in2: InstanceNorm2d;
  readonly relu = this.registerModule('relu', new ReLU());
  constructor(c: number) {
    super();
    this.conv1 = this.registerModule('conv1', new ConvLayer(c, c, 3, 1));
    this.in1 = this.registerModule('in1', new InstanceNorm2d(c, { affine: true }));
    this.conv2 = this.registerModule('conv2', new ConvLayer(c, c, 3, 1));
    this.in2 = this.registerModule('in2', new InstanceNorm2d(c, { affine: true }));
  }
  forward(x: Tensor) { return x.add(this.in2.forward(this.conv2.forward(this.relu.forward(this.in1.forward(this.conv1.forward(x)))))); }
}
class UpsampleConvLayer extends Module {
  readonly upsample = this.registerModule('upsample', new Upsample({ scale_factor: 2 }));
  readonly reflection_pad = this.registerModule('reflection_pad', new ReflectionPad2d(1));
  readonly conv2d: Conv2d;
  constructor(cin: number, cout: number) {
    super();
    this.conv2d = this.registerModule('conv2d', new Conv2d(cin, cout, 3));
  }
  forward(x: Tensor) { return this.conv2d.forward(this.reflection_pad.forward(this.upsample.forward(x))); }
}
class TransformerNet extends Module {
  constructor() {
    super();
    this.registerModule('conv1', new ConvLayer(3, 32, 9, 1));
    this.registerModule('in1', new InstanceNorm2d(32, { affine: true }));
    this.registerModule('conv2', new ConvLayer(32, 64, 3, 2));
    this.registerModule('in2', new InstanceNorm2d(64, { affine: true }));
    this.registerModule('conv3', new ConvLayer(64, 128, 3, 2));
    this.registerModule('in3', new InstanceNorm2d(128, { affine: true }));
    for (let i = 1; i <= 5; i++) this.registerModule(`res${i}`, new ResidualBlock(128));
    this.registerModule('deconv1', new UpsampleConvLayer(128, 64));
    this.registerModule('in4', new InstanceNorm2d(64, { affine: true }));
    this.registerModule('deconv2', new UpsampleConvLayer(64, 32));
    this.registerModule('in5', new InstanceNorm2d(32, { affine: true }));
    this.registerModule('deconv3', new ConvLayer(32, 3, 9, 1));
    this.registerModule('relu', new ReLU());
  }
  forward(x: Tensor) { return x; }
}

test('TransformerNet state dict keys, order and shapes equal torch\'s (fixture)', { skip: needsShared }, () => {
  const expect = JSON.parse(readFileSync(path.join(sharedDir, 'fixtures/transformer-net-random.expect.json'), 'utf8')) as Record<string, { shape: number[]; sum: number }>;
  const sd = new TransformerNet().stateDict();
  assert.deepEqual(Object.keys(sd), Object.keys(expect));
  for (const [k, t] of Object.entries(sd)) {
    assert.deepEqual(t.shape, expect[k].shape, k);
    // InstanceNorm affine init is weight 1, bias 0, as torch's (the fixture's sums are C and 0).
    if (/^(res\d\.)?in\d\.(weight|bias)$/.test(k)) assert.equal(t.data.reduce((s, v) => s + v, 0), expect[k].sum, k);
  }
});
