// .npy: files written by NumPy 2.x (np.save / np.lib.format.write_array, embedded below as base64)
// read into the right values and shapes; our writer produces NumPy's exact bytes; corrupt files are
// rejected with an error naming the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Tensor } from '../../src/tensor.js';
import { parseNpy, serializeNpy } from '../../src/io/npy.js';
import { FormatError } from '../../src/io/safetensors.js';
import { readNpyFile, readTensorFile, writeNpyFile } from '../../src/node/files.js';

const H = 'k05VTVBZAQB2AHsnZGVzY3InOiAn'; // "\x93NUMPY" v1.0, header length 118, "{'descr': '"
const fixtures = {
  // np.array([[1.5, -2.25, 3.0], [0.0, -0.0, 1e-40]], '<f4')
  f4: H + 'PGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAQwAAAQEAAAAAAAAAAgMIWAQA=',
  // np.array([1/3, -2.5, 1e300], '<f8')
  f8: H + 'PGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIApVVVVVVVXVPwAAAAAAAATAnHUAiDzkN34=',
  // np.array([[-7, 2**31-1], [0, 5]], '<i4')
  i4: H + 'PGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAr5////////fwAAAAAFAAAA',
  // np.array([-(2**40), 3], '<i8')
  i8: H + 'PGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAP///wMAAAAAAAAA',
  // np.array([0, 255, 7], '|u1')
  u1: H + 'fHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoA/wc=',
  // np.array([65535, 1], '<u2')
  u2: H + 'PHUyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAr//wEA',
  // np.array([1.0, -2.5, 65504, 6e-8, inf], '<f2')
  f2: H + 'PGYyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDUsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAPADB/3sBAAB8',
  // np.array([1.5, -3.0], '>f4')
  bigF4: H + 'PmY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo/wAAAwEAAAA==',
  // np.asfortranarray(np.arange(6, dtype='<f4').reshape(2, 3))
  fortran: H + 'PGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAABAQAAAgD8AAIBAAAAAQAAAoEA=',
  // np.asfortranarray(np.arange(24, dtype='<f4').reshape(2, 3, 4))
  fortran3: H + 'PGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMywgNCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAABAQQAAgEAAAIBBAAAAQQAAoEEAAIA/AABQQQAAoEAAAIhBAAAQQQAAqEEAAABAAABgQQAAwEAAAJBBAAAgQQAAsEEAAEBAAABwQQAA4EAAAJhBAAAwQQAAuEE=',
  // np.array(4.5, '<f4')
  scalar: H + 'PGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAJBA',
  // np.array([True, False, True])
  b1: H + 'fGIxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAE=',
  // np.zeros((0, 3), '<f4')
  empty: H + 'PGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDAsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo=',
  // write_array(np.array([1, 2], '<f4'), version=(2, 0)) and (3, 0)
  v2: 'k05VTVBZAgB0AAAAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIA/AAAAQA==',
  v3: 'k05VTVBZAwB0AAAAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIA/AAAAQA==',
  // np.array([1+2j], '<c8'); np.zeros(2, [('a', '<f4'), ('b', '<i4')])
  c8: H + 'PGM4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIA/AAAAQA==',
  struct: 'k05VTVBZAQB2AHsnZGVzY3InOiBbKCdhJywgJzxmNCcpLCAoJ2InLCAnPGk0JyldLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAAAAA',
  // np.save of [[1.5, -2.25, 3], [0, 7, 1e-3]], [1, 2, 3] and 2.0 as float32
  save23: H + 'PGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAQwAAAQEAAAAAAAADgQG8Sgzo=',
  save1: H + 'PGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIA/AAAAQAAAQEA=',
  save0: H + 'PGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAABA',
};
const fx = (k: keyof typeof fixtures) => new Uint8Array(Buffer.from(fixtures[k], 'base64'));
const read = (k: keyof typeof fixtures) => parseNpy(fx(k), `${k}.npy`);
const vals = (t: Tensor) => Array.from(t.data);

test('reads NumPy files of every supported dtype, version and order', () => {
  const f4 = read('f4');
  assert.deepEqual(f4.shape, [2, 3]);
  assert.deepEqual(vals(f4), [1.5, -2.25, 3, 0, -0, Math.fround(1e-40)]);
  assert.ok(Object.is(f4.data[4], -0));
  assert.deepEqual(vals(read('f8')), [Math.fround(1 / 3), -2.5, Infinity]);
  assert.deepEqual(read('i4').shape, [2, 2]);
  assert.deepEqual(vals(read('i4')), [-7, 2 ** 31, 0, 5]);
  assert.deepEqual(vals(read('i8')), [-(2 ** 40), 3]);
  assert.deepEqual(vals(read('u1')), [0, 255, 7]);
  assert.deepEqual(vals(read('u2')), [65535, 1]);
  assert.deepEqual(vals(read('f2')), [1, -2.5, 65504, 2 ** -24 * 1, Infinity]);
  assert.deepEqual(vals(read('bigF4')), [1.5, -3]);
  assert.deepEqual(vals(read('b1')), [1, 0, 1]);
  assert.deepEqual(read('scalar').shape, []);
  assert.equal(read('scalar').item(), 4.5);
  assert.deepEqual(read('empty').shape, [0, 3]);
  assert.deepEqual(vals(read('v2')), [1, 2]);
  assert.deepEqual(vals(read('v3')), [1, 2]);
  // Fortran order is transposed to C order: values equal np.arange in C order
  assert.deepEqual(read('fortran').shape, [2, 3]);
  assert.deepEqual(vals(read('fortran')), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(read('fortran3').shape, [2, 3, 4]);
  assert.deepEqual(vals(read('fortran3')), Array.from({ length: 24 }, (_, i) => i));
});

test("'<f4' data is a zero-copy view of the file bytes", () => {
  const bytes = fx('f4');
  assert.equal(parseNpy(bytes).data.buffer, bytes.buffer);
});

test('our writer produces NumPy\'s bytes exactly; round trip is bit-exact', () => {
  assert.deepEqual(serializeNpy(Tensor.from([[1.5, -2.25, 3], [0, 7, 1e-3]])), fx('save23'));
  assert.deepEqual(serializeNpy(Tensor.from([1, 2, 3])), fx('save1'));
  assert.deepEqual(serializeNpy(Tensor.scalar(2)), fx('save0'));
  const t = new Tensor(Float32Array.from([NaN, -0, Infinity, 1e-45, -3.25, 7]), [1, 2, 3]);
  const back = parseNpy(serializeNpy(t));
  assert.deepEqual(back.shape, [1, 2, 3]);
  assert.deepEqual(new Uint32Array(back.data.slice().buffer), new Uint32Array(t.data.slice().buffer));
  // a header longer than 64 KiB switches to version 2.0
  const many = new Tensor(new Float32Array(1), Array.from({ length: 25000 }, () => 1));
  const big = serializeNpy(many);
  assert.equal(big[6], 2);
  assert.equal(parseNpy(big).shape.length, 25000);
});

test('corrupt or unsupported files are rejected with an error naming the file', () => {
  const f4 = fx('f4');
  const patch = (b: Uint8Array, at: number, s: string) => {
    const c = b.slice();
    for (let i = 0; i < s.length; i++) c[at + i] = s.charCodeAt(i);
    return c;
  };
  const withHeader = (h: string, data = new Uint8Array(0)) => {
    const head = h + ' '.repeat((64 - ((10 + h.length + 1) % 64)) % 64) + '\n';
    const out = new Uint8Array(10 + head.length + data.length);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(out.buffer).setUint16(8, head.length, true);
    for (let i = 0; i < head.length; i++) out[10 + i] = head.charCodeAt(i);
    out.set(data, 10 + head.length);
    return out;
  };
  const cases: [string, Uint8Array, RegExp][] = [
    ['bad magic', patch(f4, 1, 'X'), /missing the \\x93NUMPY magic/],
    ['too short', f4.slice(0, 7), /missing the \\x93NUMPY magic/],
    ['version 4.0', patch(f4, 6, '\x04'), /unsupported .npy format version 4\.0/],
    ['header past EOF', f4.slice(0, 60), /header length 118 runs past the end of the file \(60 bytes\)/],
    ['data truncated', f4.slice(0, f4.length - 4), /data holds 20 bytes but shape \[2, 3\] of '<f4' needs 24 \(file truncated\?\)/],
    ['extra data', new Uint8Array([...f4, 0, 0, 0, 0]), /data holds 28 bytes but shape \[2, 3\] of '<f4' needs 24/],
    ['complex dtype', fx('c8'), /unsupported dtype '<c8'/],
    ['structured dtype', fx('struct'), /structured dtype/],
    ['not a dict literal', withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), "), /header is not a Python dict literal/],
    ['missing key', withHeader("{'descr': '<f4', 'shape': (1,), }", new Uint8Array(4)), /header lacks the key 'fortran_order'/],
    ['bad shape', withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"), /shape \[-1\] is not a tuple/],
    ['bad fortran_order', withHeader("{'descr': '<f4', 'fortran_order': 1, 'shape': (1,), }", new Uint8Array(4)), /fortran_order must be True or False/],
    ['|f4 is not a byte order for 4 bytes', withHeader("{'descr': '|f4', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4)), /unsupported dtype '\|f4'/],
  ];
  for (const [what, bytes, re] of cases) {
    assert.throws(() => parseNpy(bytes, 'data/x.npy'), (e: Error) => {
      assert.ok(e instanceof FormatError, `${what}: ${e}`);
      assert.ok(e.message.startsWith('data/x.npy: '), `${what}: ${e.message}`);
      assert.match(e.message, re, what);
      return true;
    });
  }
  // the same helper builds a valid file, so the failures above come from the defect alone
  assert.deepEqual(vals(parseNpy(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4)))), [0]);
});

test('Node adapters for .npy: write atomically, read back, readTensorFile detects the format', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ganstyle-npy-'));
  try {
    const file = path.join(dir, 'w.npy');
    const t = Tensor.randn([4, 5]);
    writeNpyFile(file, t);
    assert.deepEqual(readNpyFile(file).data, t.data);
    const { tensors, metadata } = readTensorFile(file);
    assert.deepEqual([...tensors.keys()], ['w']);
    assert.deepEqual(tensors.get('w')!.shape, [4, 5]);
    assert.deepEqual(metadata, {});
    assert.throws(() => readNpyFile(path.join(dir, 'nope.npy')), /nope\.npy: cannot read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
