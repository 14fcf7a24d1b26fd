// torch.save (.pth) reader: the shared fixtures reproduce their .expect.json, hand-built archives
// cover dtypes, strides/offsets, shared storages, nesting and byte order, and corrupt or hostile
// files (truncated zip, os.system global, unknown opcode, legacy format) fail with clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { Tensor } from '../../src/tensor.js';
import { FormatError } from '../../src/io/safetensors.js';
import { parsePth } from '../../src/io/pth.js';
import { readWeights } from '../../src/node/weights.js';
import { sharedDir } from '../helpers/shared.js';

const fixtures = path.join(sharedDir, 'fixtures');
const needsFixtures = existsSync(fixtures) ? false : `needs ../shared/fixtures (${fixtures})`;

interface Expect { shape: number[]; sum: number; first: number[] }

function checkExpect(tensors: Map<string, Tensor>, expect: Record<string, Expect>, what: string): void {
  assert.deepEqual([...tensors.keys()], Object.keys(expect), `${what}: names in order`);
  for (const [name, e] of Object.entries(expect)) {
    const t = tensors.get(name)!;
    assert.deepEqual(t.shape, e.shape, `${what} ${name} shape`);
    let sum = 0;
    for (const v of t.data) sum += v;
    assert.ok(Math.abs(sum - e.sum) <= 1e-6 * Math.max(1, Math.abs(e.sum)) + 1e-9, `${what} ${name}: sum ${sum} vs ${e.sum}`);
    assert.deepEqual([...t.data.subarray(0, e.first.length)], e.first.map(Math.fround), `${what} ${name}: first values`);
  }
}

for (const name of ['vgg19-features-head', 'transformer-net-random']) {
  test(`${name}.pth reproduces ${name}.expect.json`, { skip: needsFixtures }, () => {
    const file = path.join(fixtures, `${name}.pth`);
    const { tensors, metadata } = parsePth(new Uint8Array(readFileSync(file)), file);
    checkExpect(tensors, JSON.parse(readFileSync(path.join(fixtures, `${name}.expect.json`), 'utf8')) as Record<string, Expect>, name);
    assert.deepEqual(metadata, {});
  });
}

test('readWeights recognises a .pth by content', { skip: needsFixtures }, async () => {
  const w = await readWeights(path.join(fixtures, 'vgg19-features-head.pth'));
  assert.equal(w.format, 'pth');
  assert.deepEqual(w.tensors.get('0.weight')!.shape, [64, 3, 3, 3]);
});

// ---- a minimal pickle writer (protocol 2 opcodes, as torch.save emits them) ----
class Pickle {
  readonly b: number[] = [0x80, 2];
  private op(...x: number[]): this {
    this.b.push(...x);
    return this;
  }
  private text(s: string): number[] {
    return [...new TextEncoder().encode(s)];
  }
  global(mod: string, name: string): this {
    return this.op(0x63, ...this.text(`${mod}\n${name}\n`));
  }
  str(s: string): this {
    const u = this.text(s);
    return this.op(0x58, u.length & 0xff, (u.length >> 8) & 0xff, 0, 0, ...u);
  }
  int(n: number): this {
    return this.op(0x4a, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff);
  }
  ints(xs: number[]): this {
    this.mark();
    for (const x of xs) this.int(x);
    return this.tuple();
  }
  mark(): this { return this.op(0x28); }
  tuple(): this { return this.op(0x74); }
  emptyTuple(): this { return this.op(0x29); }
  emptyDict(): this { return this.op(0x7d); }
  setitems(): this { return this.op(0x75); }
  reduce(): this { return this.op(0x52); }
  persid(): this { return this.op(0x51); }
  newfalse(): this { return this.op(0x89); }
  raw(...x: number[]): this { return this.op(...x); }
  stop(): Uint8Array {
    return Uint8Array.from([...this.b, 0x2e]);
  }
  /** _rebuild_tensor_v2(('storage', torch.<type>, key, 'cpu', numel), offset, size, stride, False, OrderedDict()) */
  tensor(key: string, type: string, numel: number, offset: number, size: number[], stride: number[]): this {
    this.global('torch._utils', '_rebuild_tensor_v2').mark();
    this.mark().str('storage').global('torch', type).str(key).str('cpu').int(numel).tuple().persid();
    this.int(offset).ints(size).ints(stride).newfalse().global('collections', 'OrderedDict').emptyTuple().reduce();
    return this.tuple().reduce();
  }
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function archive(pkl: Uint8Array, storages: Record<string, Uint8Array>, extra: Record<string, Uint8Array> = {}): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 }]> = { 'archive/data.pkl': [pkl, { level: 0 }] };
  for (const [k, v] of Object.entries(storages)) files[`archive/data/${k}`] = [v, { level: 0 }];
  for (const [k, v] of Object.entries(extra)) files[`archive/${k}`] = [v, { level: 0 }];
  files['archive/version'] = [new TextEncoder().encode('3\n'), { level: 0 }];
  return zipSync(files);
}

const half = (x: number): number => {
  // float → IEEE half for values exactly representable (test data below)
  if (x === 0) return 0;
  const s = x < 0 ? 0x8000 : 0;
  const a = Math.abs(x);
  const e = Math.floor(Math.log2(a));
  return s | ((e + 15) << 10) | Math.round((a / 2 ** e - 1) * 1024);
};

test('dtypes: float16, float64 and int64 storages become float32', () => {
  const p = new Pickle().emptyDict().mark();
  p.str('h').tensor('0', 'HalfStorage', 3, 0, [3], [1]);
  p.str('d').tensor('1', 'DoubleStorage', 2, 0, [2], [1]);
  p.str('l').tensor('2', 'LongStorage', 2, 0, [2], [1]);
  p.setitems();
  const bytes = archive(p.stop(), {
    0: bytesOf(Uint16Array.from([1.5, -2, 0.25].map(half))),
    1: bytesOf(Float64Array.from([0.1, -1e10])),
    2: bytesOf(BigInt64Array.from([7n, -3n])),
  });
  const { tensors } = parsePth(bytes, 't.pth');
  assert.deepEqual([...tensors.get('h')!.data], [1.5, -2, 0.25]);
  assert.deepEqual([...tensors.get('d')!.data], [Math.fround(0.1), Math.fround(-1e10)]);
  assert.deepEqual([...tensors.get('l')!.data], [7, -3]);
});

test('strides, storage offsets and a storage shared by two tensors', () => {
  const storage = Float32Array.from({ length: 12 }, (_, i) => i);
  const p = new Pickle().emptyDict().mark();
  p.str('full').tensor('0', 'FloatStorage', 12, 0, [3, 4], [4, 1]);
  p.str('t').tensor('0', 'FloatStorage', 12, 0, [4, 3], [1, 4]); // full.t()
  p.str('row').tensor('0', 'FloatStorage', 12, 5, [2], [1]); // full.view(-1)[5:7]
  p.str('col').tensor('0', 'FloatStorage', 12, 2, [3, 1], [4, 1]); // full[:, 2:3]
  p.str('step').tensor('0', 'FloatStorage', 12, 1, [2, 2], [6, 2]); // full.view(-1)[1:].view(..)[::, ::2]
  p.str('scalar').tensor('0', 'FloatStorage', 12, 11, [], []);
  p.setitems();
  const { tensors } = parsePth(archive(p.stop(), { 0: bytesOf(storage) }), 't.pth');
  assert.deepEqual(tensors.get('full')!.toArray(), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]);
  assert.deepEqual(tensors.get('t')!.toArray(), [[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]]);
  assert.deepEqual(tensors.get('row')!.toArray(), [5, 6]);
  assert.deepEqual(tensors.get('col')!.toArray(), [[2], [6], [10]]);
  assert.deepEqual(tensors.get('step')!.toArray(), [[1, 3], [7, 9]]);
  assert.deepEqual(tensors.get('scalar')!.shape, []);
  assert.equal(tensors.get('scalar')!.item(), 11);
  // a copy, not a view of the shared storage
  tensors.get('full')!.data[5] = -1;
  assert.equal(tensors.get('row')!.data[0], 5);
});

test('nested checkpoints, OrderedDict, parameters and scalars', () => {
  const p = new Pickle().emptyDict().mark();
  p.str('state_dict').global('collections', 'OrderedDict').emptyTuple().reduce().mark();
  p.str('fc.weight').global('torch._utils', '_rebuild_parameter').mark().tensor('0', 'FloatStorage', 2, 0, [1, 2], [2, 1]).newfalse().global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
  p.str('fc.bias').tensor('1', 'FloatStorage', 1, 0, [1], [1]);
  p.setitems();
  p.str('epoch').int(12).str('arch').str('mlp');
  p.str('history').mark().int(1).int(2).tuple();
  p.setitems();
  const { tensors, metadata } = parsePth(archive(p.stop(), { 0: bytesOf(Float32Array.of(1, 2)), 1: bytesOf(Float32Array.of(3)) }), 'ckpt.pth');
  assert.deepEqual([...tensors.keys()], ['state_dict.fc.weight', 'state_dict.fc.bias']);
  assert.deepEqual(tensors.get('state_dict.fc.weight')!.toArray(), [[1, 2]]);
  assert.deepEqual(metadata, { epoch: '12', arch: 'mlp', 'history.0': '1', 'history.1': '2' });
});

test("byteorder 'big' is honoured", () => {
  const p = new Pickle().emptyDict().mark().str('w').tensor('0', 'FloatStorage', 2, 0, [2], [1]).setitems();
  const be = new Uint8Array(8);
  new DataView(be.buffer).setFloat32(0, 1.25, false);
  new DataView(be.buffer).setFloat32(4, -3, false);
  const { tensors } = parsePth(archive(p.stop(), { 0: be }, { byteorder: new TextEncoder().encode('big') }), 'be.pth');
  assert.deepEqual([...tensors.get('w')!.data], [1.25, -3]);
});

const rejects = (bytes: Uint8Array, file: string, pattern: RegExp) => {
  assert.throws(() => parsePth(bytes, file), (e: unknown) => {
    assert.ok(e instanceof FormatError, `FormatError expected, got ${String(e)}`);
    assert.match(e.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    assert.match(e.message, pattern);
    return true;
  });
};

test('a truncated .pth (download cut off) is a clear error naming the file', { skip: needsFixtures }, () => {
  const bytes = new Uint8Array(readFileSync(path.join(fixtures, 'vgg19-features-head.pth')));
  for (const n of [bytes.length - 10, 1_000_000, 100, 4]) rejects(bytes.subarray(0, n), 'cut.pth', /truncated|not a torch\.save/);
  rejects(bytes.subarray(0, 1_000_000), 'cut.pth', /truncated zip archive/);
});

test('a pickle naming os.system (or builtins.eval via STACK_GLOBAL) is refused before any call', () => {
  const evil = new Pickle().global('os', 'system').str('touch /tmp/pwned').raw(0x85).reduce();
  rejects(archive(evil.stop(), {}), 'evil.pth', /'os\.system'.*refusing/);
  // protocol 4 STACK_GLOBAL (0x93) with module/name pushed as strings
  const p4 = new Pickle().str('builtins').str('eval').raw(0x93).str('1+1').raw(0x85).reduce();
  rejects(archive(p4.stop(), {}), 'evil4.pth', /'builtins\.eval'/);
  // an allowed-looking module with a different name is still refused
  rejects(archive(new Pickle().global('torch._utils', '_rebuild_device_tensor_from_numpy').stop(), {}), 'x.pth', /not a torch tensor-rebuilding/);
  // BUILD (0x62) aimed at a tensor to change its shape after the fact
  const built = new Pickle().emptyDict().mark().str('w').tensor('0', 'FloatStorage', 2, 0, [2], [1]).emptyDict().mark().str('shape').ints([5]).setitems().raw(0x62).setitems();
  rejects(archive(built.stop(), { 0: new Uint8Array(8) }), 'build.pth', /tensor 'w' was altered after it was built/);
});

test('unknown opcode, legacy format, missing storage, views past the storage: clear errors', () => {
  const withOp = new Pickle().emptyDict().raw(0xff);
  rejects(archive(withOp.stop(), {}), 'op.pth', /unknown pickle opcode 0xff at byte 3/);
  const legacy = Uint8Array.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);
  rejects(legacy, 'old.pth', /legacy torch\.save format/);
  rejects(new TextEncoder().encode('hello, not a zip at all'), 'txt.pth', /not a torch\.save file/);
  const oneTensor = (numel: number, offset: number, size: number[], stride: number[]) => new Pickle().emptyDict().mark().str('w').tensor('0', 'FloatStorage', numel, offset, size, stride).setitems().stop();
  rejects(archive(oneTensor(4, 0, [4], [1]), {}), 'nodata.pth', /storage '0'.*missing from the archive/);
  rejects(archive(oneTensor(4, 0, [4], [1]), { 0: new Uint8Array(12) }), 'short.pth', /holds 12 bytes but 4 × torch\.FloatStorage needs 16/);
  rejects(archive(oneTensor(4, 1, [2, 2], [2, 1]), { 0: new Uint8Array(16) }), 'view.pth', /reads past the end of storage '0'/);
  const cut = new Pickle().emptyDict().mark().str('w').b;
  rejects(archive(Uint8Array.from(cut), {}), 'cutpkl.pth', /data\.pkl is truncated/);
  rejects(zipSync({ 'a/other.bin': new Uint8Array(3) }), 'nopkl.pth', /expected one '<name>\/data\.pkl'/);
});

test('readWeights: errors name the file (truncated .pth, unknown format, folder without manifest)', { skip: needsFixtures }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ganstyle-weights-'));
  try {
    const cut = path.join(dir, 'cut.pth');
    writeFileSync(cut, readFileSync(path.join(fixtures, 'vgg19-features-head.pth')).subarray(0, 2_000_000));
    await assert.rejects(readWeights(cut), { name: 'FormatError', message: new RegExp(`^${cut.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: truncated zip archive`) });
    const junk = path.join(dir, 'junk.bin');
    writeFileSync(junk, 'just some text');
    await assert.rejects(readWeights(junk), /junk\.bin: unknown weights format/);
    await assert.rejects(readWeights(dir), /ganstyle-weights-.*: folder holds neither model\.json \(TF\.js\) nor manifest\.json/);
    await assert.rejects(readWeights(path.join(dir, 'nope.pth')), /nope\.pth: no such file or folder/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
