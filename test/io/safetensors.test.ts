// safetensors: round trips (bit-exact), layout of what we write, every dtype we read, every
// corruption producing an error that names the file, zero-copy views, the Node adapters (atomic
// write, errors naming the file), and the real files in ../shared (oracle suite, models).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Tensor } from '../../src/tensor.js';
import { FormatError, parseSafetensors, parseSafetensorsRaw, serializeSafetensors, toFloat64 } from '../../src/io/safetensors.js';
import { loadStateDict, readSafetensorsFile, readTensorFile, saveStateDict, writeFileAtomic, writeSafetensorsFile } from '../../src/node/files.js';
import { needsShared, sharedDir } from '../helpers/shared.js';

/** Builds a file from a header object and raw data bytes (for corrupt and non-F32 files). */
function build(header: unknown, data: Uint8Array, opts: { headerText?: string; lenDelta?: number } = {}): Uint8Array {
  const h = new TextEncoder().encode(opts.headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length + (opts.lenDelta ?? 0)), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}
const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const f32 = (n: number) => bytesOf(Float32Array.from({ length: n }, (_, i) => i + 0.5));

test('round trip is bit-exact, keeps order, shapes ([] ≠ [1], zero-size) and metadata', () => {
  const special = Float32Array.from([NaN, -0, Infinity, -Infinity, 1e-45, 3.4028234663852886e38, -1.5]);
  const bits = new Uint32Array(special.buffer).slice();
  bits[0] = 0x7fc00123; // a NaN payload must survive too
  const data = new Float32Array(bits.buffer);
  const tensors = new Map<string, Tensor>([
    ['z.last-first', new Tensor(data, [7])],
    ['scalar', Tensor.scalar(2.5)],
    ['one', new Tensor(Float32Array.of(2.5), [1])],
    ['empty', new Tensor(new Float32Array(0), [2, 0])],
    ['a/b.c', Tensor.from([[1, 2, 3], [4, 5, 6]])],
  ]);
  const bytes = serializeSafetensors(tensors, { format: 'x', note: 'ünïcode ✓' });
  const { tensors: back, metadata } = parseSafetensors(bytes, 'rt.safetensors');
  assert.deepEqual([...back.keys()], [...tensors.keys()]);
  for (const [k, t] of tensors) {
    assert.deepEqual(back.get(k)!.shape, t.shape, k);
    assert.deepEqual(new Uint32Array(back.get(k)!.data.slice().buffer), new Uint32Array(t.data.slice().buffer), k);
  }
  assert.deepEqual(metadata, { format: 'x', note: 'ünïcode ✓' });
  // a Record works too, in insertion order
  const rec = parseSafetensors(serializeSafetensors({ b: Tensor.scalar(1), a: Tensor.scalar(2) }));
  assert.deepEqual([...rec.tensors.keys()], ['b', 'a']);
  assert.deepEqual(rec.metadata, {});
  // file order is data order, even for integer-like names (which JSON objects would list first)
  const ints = parseSafetensors(serializeSafetensors(new Map([['b', Tensor.scalar(1)], ['1', Tensor.scalar(2)], ['0', Tensor.scalar(3)]])));
  assert.deepEqual([...ints.tensors.keys()], ['b', '1', '0']);
  assert.deepEqual([...ints.tensors.values()].map((t) => t.item()), [1, 2, 3]);
});

test('what we write: u64 LE header length, multiple of 8, space padding, offsets tile the data', () => {
  const bytes = serializeSafetensors({ w: Tensor.from([1, 2, 3]), b: Tensor.scalar(7) }, { format: 'ganstyle-oracle/1' });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(n % 8, 0);
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  assert.match(text, / *$/);
  assert.equal(text.trimEnd(), '{"__metadata__":{"format":"ganstyle-oracle/1"},"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"b":{"dtype":"F32","shape":[],"data_offsets":[12,16]}}');
  assert.equal(bytes.length, 8 + n + 16);
  assert.deepEqual(Array.from(new Float32Array(bytes.slice(8 + n).buffer)), [1, 2, 3, 7]);
});

test('F32 data is a zero-copy view when aligned, a correct copy when not', () => {
  const bytes = serializeSafetensors({ w: Tensor.from([1, 2, 3]) });
  const t = parseSafetensors(bytes).tensors.get('w')!;
  assert.equal(t.data.buffer, bytes.buffer);
  const shifted = new Uint8Array(bytes.length + 1);
  shifted.set(bytes, 1);
  const u = parseSafetensors(shifted.subarray(1)).tensors.get('w')!;
  assert.notEqual(u.data.buffer, shifted.buffer);
  assert.deepEqual(Array.from(u.data), [1, 2, 3]);
});

test('reads F64, F16, BF16, I64, I32, I16, I8, U8, U16, U32, U64, BOOL as float32', () => {
  const cases: [string, ArrayBufferView, number[]][] = [
    ['F64', Float64Array.of(1 / 3, -2.5, 1e300), [Math.fround(1 / 3), -2.5, Infinity]],
    ['F16', Uint16Array.of(0x3c00, 0xc100, 0x7bff, 0x0001, 0x7c00, 0x8000), [1, -2.5, 65504, 2 ** -24, Infinity, -0]],
    ['BF16', Uint16Array.of(0x3f80, 0xc020, 0x4049), [1, -2.5, 3.140625]],
    ['I64', BigInt64Array.of(-(2n ** 40n), 3n), [-(2 ** 40), 3]],
    ['I32', Int32Array.of(-7, 2 ** 31 - 1), [-7, 2 ** 31]],
    ['I16', Int16Array.of(-32768, 5), [-32768, 5]],
    ['I8', Int8Array.of(-128, 127), [-128, 127]],
    ['U8', Uint8Array.of(0, 255), [0, 255]],
    ['U16', Uint16Array.of(65535, 1), [65535, 1]],
    ['U32', Uint32Array.of(2 ** 32 - 1, 0), [2 ** 32, 0]],
    ['U64', BigUint64Array.of(2n ** 53n, 1n), [2 ** 53, 1]],
    ['BOOL', Uint8Array.of(1, 0, 1), [1, 0, 1]],
  ];
  for (const [dtype, arr, want] of cases) {
    const data = bytesOf(arr);
    const file = build({ __metadata__: { k: 'v' }, t: { dtype, shape: [want.length], data_offsets: [0, data.length] } }, data);
    const t = parseSafetensors(file, `${dtype}.safetensors`).tensors.get('t')!;
    assert.deepEqual(Array.from(t.data), want.map(Math.fround), dtype);
  }
  // F64 keeps full precision through toFloat64 (used for optimizer state)
  const d = bytesOf(Float64Array.of(1 / 3));
  const raw = parseSafetensorsRaw(build({ t: { dtype: 'F64', shape: [], data_offsets: [0, 8] } }, d)).entries.get('t')!;
  assert.equal(toFloat64(raw)[0], 1 / 3);
});

test('every corruption is rejected with an error naming the file and the problem', () => {
  const ok = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } };
  const cases: [string, Uint8Array, RegExp][] = [
    ['too short', new Uint8Array(5), /5 bytes is too short/],
    ['header length past EOF', build(ok, f32(3), { lenDelta: 1000 }), /header length \d+ runs past the end of the file/],
    ['huge header length', (() => { const b = build(ok, f32(3)); new DataView(b.buffer).setBigUint64(0, 2n ** 63n, true); return b; })(), /runs past the end/],
    ['non-JSON header', build(null, f32(3), { headerText: '{"a": {"dtype": "F32",' }), /header is not valid JSON/],
    ['non-UTF-8 header', build(null, f32(3), { headerText: '{"\xff"}' }).map((v, i) => (i === 10 ? 0xff : v)), /not valid UTF-8/],
    ['array header', build([1, 2], new Uint8Array(0)), /header is not a JSON object/],
    ['number header', build(7, new Uint8Array(0)), /header is not a JSON object/],
    ['unknown dtype', build({ a: { dtype: 'F8_Q', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /tensor 'a': unknown dtype "F8_Q"/],
    ['offsets do not match shape', build({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32(2)), /tensor 'a': data_offsets \[0, 8\] hold 8 bytes but shape \[3\] of F32 needs 12/],
    ['overlap', build({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, f32(3)), /tensor 'b' \(bytes 4\.\.12\) overlaps tensor 'a'/],
    ['gap', build({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, f32(3)), /gap of 4 bytes in the data before tensor 'b'/],
    ['gap at the start', build({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(2)), /gap of 4 bytes/],
    ['trailing bytes', build(ok, f32(4)), /does not end at the last tensor: 4 extra bytes/],
    ['truncated data', build(ok, f32(2)), /tensor 'b': data_offsets \[8, 12\] run past the end of the data \(8 bytes/],
    ['bad offsets', build({ a: { dtype: 'F32', shape: [1], data_offsets: [8, 4] } }, f32(1)), /not a pair \[begin, end\]/],
    ['bad shape', build({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, f32(1)), /shape \[-1\] is not a list of non-negative integers/],
    ['entry not an object', build({ a: 3 }, new Uint8Array(0)), /tensor 'a': entry is not a JSON object/],
    ['metadata not strings', build({ __metadata__: { n: 1 } }, new Uint8Array(0)), /__metadata__ value for 'n' is not a string/],
  ];
  // sanity: the base file is valid
  assert.equal(parseSafetensors(build(ok, f32(3))).tensors.size, 2);
  for (const [what, bytes, re] of cases) {
    assert.throws(() => parseSafetensors(bytes, 'bad/model.safetensors'), (e: Error) => {
      assert.ok(e instanceof FormatError, `${what}: ${e}`);
      assert.ok(e.message.startsWith('bad/model.safetensors: '), `${what}: ${e.message}`);
      assert.match(e.message, re, what);
      return true;
    });
  }
});

test('serializeSafetensors rejects bad input', () => {
  assert.throws(() => serializeSafetensors({ __metadata__: Tensor.scalar(1) }), /'__metadata__' cannot be a tensor name/);
  assert.throws(() => serializeSafetensors({ a: Tensor.scalar(1) }, { n: 1 as unknown as string }), /metadata value for 'n' must be a string/);
  assert.throws(() => serializeSafetensors({ a: { shape: [3], data: new Float32Array(2) } }), /tensor 'a' has 2 values for shape \[3\]/);
});

test('Node adapters: atomic write, read back bit-exactly, errors name the file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ganstyle-st-'));
  try {
    const file = path.join(dir, 'ckpt.safetensors');
    const w = Tensor.randn([3, 4]);
    writeSafetensorsFile(file, { w }, { epoch: '3' });
    const { tensors, metadata } = readSafetensorsFile(file);
    assert.deepEqual(tensors.get('w')!.data, w.data);
    assert.deepEqual(metadata, { epoch: '3' });
    assert.deepEqual(readdirSync(dir), ['ckpt.safetensors'], 'no temporary file left behind');
    // overwrite replaces the whole file
    writeFileAtomic(file, Uint8Array.of(1, 2, 3));
    assert.deepEqual([...readFileSync(file)], [1, 2, 3]);
    assert.throws(() => readSafetensorsFile(file), new RegExp(`^FormatError: ${file.replace(/[.\\/]/g, '\\$&')}: 3 bytes`));
    assert.throws(() => readSafetensorsFile(path.join(dir, 'missing.safetensors')), /missing\.safetensors: cannot read \(ENOENT/);
    assert.throws(() => writeFileAtomic(path.join(dir, 'no', 'such', 'dir.bin'), Uint8Array.of(1)), /dir\.bin: cannot write/);
    assert.deepEqual(readdirSync(dir), ['ckpt.safetensors']);
    // state-dict helpers (model.stateDict() records, or objects with stateDict())
    const sdFile = path.join(dir, 'model.safetensors');
    saveStateDict(sdFile, { stateDict: () => ({ 'fc.weight': w, 'fc.bias': Tensor.from([1, 2, 3]) }) }, { arch: 'mlp' });
    const sd = loadStateDict(sdFile);
    assert.deepEqual(Object.keys(sd), ['fc.weight', 'fc.bias']);
    assert.deepEqual(sd['fc.weight'].data, w.data);
    assert.deepEqual(readTensorFile(sdFile).metadata, { arch: 'mlp' });
    writeFileSync(path.join(dir, 'x.bin'), serializeSafetensors({ a: Tensor.scalar(1) }));
    assert.equal(readTensorFile(path.join(dir, 'x.bin')).tensors.get('a')!.item(), 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reads ../shared/oracle/ops.safetensors and re-writes it byte for byte', { skip: needsShared }, () => {
  const file = path.join(sharedDir, 'oracle', 'ops.safetensors');
  const bytes = new Uint8Array(readFileSync(file));
  const { tensors, metadata } = parseSafetensors(bytes, file);
  assert.deepEqual(metadata, { format: 'ganstyle-oracle/1' });
  const manifest = JSON.parse(readFileSync(path.join(sharedDir, 'oracle', 'ops.json'), 'utf8'));
  for (const c of manifest.cases) for (const n of Object.values(c.inputs) as string[]) assert.ok(tensors.has(n), n);
  assert.deepEqual(tensors.get('matmul/000/in/a')!.shape, [1, 1]);
  assert.deepEqual(serializeSafetensors(tensors, metadata), bytes, 'our writer reproduces the reference file exactly');
});

const models = path.join(sharedDir, 'models');
test('reads the model files in ../shared/models with their metadata', { skip: needsShared || !existsSync(models) }, () => {
  const files = readdirSync(models).filter((f) => f.endsWith('.safetensors'));
  assert.ok(files.length >= 1);
  for (const f of files) {
    const file = path.join(models, f);
    const bytes = new Uint8Array(readFileSync(file));
    const { tensors, metadata } = parseSafetensors(bytes, file);
    assert.ok(typeof metadata.source === 'string' && metadata.source.length > 0, `${f}: metadata.source`);
    assert.ok(tensors.size > 0);
    // the data region round-trips exactly (our header puts __metadata__ first, theirs last)
    const back = serializeSafetensors(tensors, metadata);
    const n = (b: Uint8Array) => 8 + Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));
    assert.deepEqual(back.subarray(n(back)), bytes.subarray(n(bytes)), f);
    const again = parseSafetensors(back, 'back');
    assert.deepEqual([...again.tensors.keys()], [...tensors.keys()]);
    assert.deepEqual(again.metadata, metadata);
  }
  const vgg = path.join(models, 'vgg19-features-conv1_1-conv3_4.safetensors');
  if (existsSync(vgg)) {
    const { tensors } = readSafetensorsFile(vgg);
    assert.deepEqual(tensors.get('features.0.weight')!.shape, [64, 3, 3, 3]);
    assert.deepEqual(tensors.get('features.0.bias')!.shape, [64]);
  }
});
