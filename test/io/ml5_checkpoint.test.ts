// ml5 / deeplearn.js checkpoints (manifest.json + raw float32 files): the shared Udnie and Wave
// folders, renamed with engstromNames, equal the fast-style-*.safetensors conversions bit for bit;
// missing or short variable files are errors naming the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { FormatError } from '../../src/io/safetensors.js';
import { ENGSTROM_VARIABLE_NAMES, engstromNames, loadMl5Checkpoint } from '../../src/io/ml5_checkpoint.js';
import { readWeights } from '../../src/node/weights.js';
import { sharedDir } from '../helpers/shared.js';

const models = path.join(sharedDir, 'models');

for (const style of ['udnie', 'wave']) {
  const dir = path.join(models, `fast-style-ml5-${style}`);
  const st = path.join(models, `fast-style-${style}.safetensors`);
  test(`fast-style-ml5-${style}/ = fast-style-${style}.safetensors (renamed, bit-exact)`, { skip: existsSync(dir) && existsSync(st) ? false : `needs ${dir} and ${st}` }, async () => {
    const w = await readWeights(dir);
    assert.equal(w.format, 'ml5-checkpoint');
    assert.equal(w.tensors.size, 48);
    // numeric variable order, not the manifest's string order (Variable, Variable_1, Variable_10, …)
    assert.deepEqual([...w.tensors.keys()].slice(0, 12), ['Variable', ...Array.from({ length: 11 }, (_, i) => `Variable_${i + 1}`)]);
    assert.deepEqual(w.tensors.get('Variable')!.shape, [9, 9, 3, 32]);
    const named = engstromNames(w.tensors, w.file);
    const ref = await readWeights(st);
    assert.deepEqual([...named.keys()], [...ref.tensors.keys()]);
    const map = JSON.parse(ref.metadata.variable_map) as Record<string, string>;
    for (const [name, t] of named) {
      const r = ref.tensors.get(name)!;
      assert.deepEqual(t.shape, r.shape, name);
      assert.ok(t.data.every((v, i) => Object.is(v, r.data[i])), `${name}: values differ`);
      assert.equal(map[name], `Variable${ENGSTROM_VARIABLE_NAMES.indexOf(name) === 0 ? '' : `_${ENGSTROM_VARIABLE_NAMES.indexOf(name)}`}`);
    }
  });
}

test('engstromNames: 48 names in graph order', () => {
  assert.equal(ENGSTROM_VARIABLE_NAMES.length, 48);
  assert.deepEqual(ENGSTROM_VARIABLE_NAMES.slice(0, 4), ['conv1.kernel', 'conv1.shift', 'conv1.scale', 'conv2.kernel']);
  assert.deepEqual(ENGSTROM_VARIABLE_NAMES.slice(9, 15), ['res1.conv_a.kernel', 'res1.conv_a.shift', 'res1.conv_a.scale', 'res1.conv_b.kernel', 'res1.conv_b.shift', 'res1.conv_b.scale']);
  assert.deepEqual(ENGSTROM_VARIABLE_NAMES.slice(39, 48).filter((_, i) => i % 3 === 0), ['deconv1.kernel', 'deconv2.kernel', 'conv_out.kernel']);
});

test('in-memory checkpoint: values, and errors for missing/short files and bad manifests', () => {
  const manifest = { Variable_2: { filename: 'b', shape: [2] }, Variable: { filename: 'a', shape: [1, 2] } };
  const files = new Map([['a', new Uint8Array(Float32Array.of(1.5, -2).buffer)], ['b', new Uint8Array(Float32Array.of(3, 4).buffer)]]);
  const r = loadMl5Checkpoint(JSON.stringify(manifest), (f) => files.get(f), 'ck/manifest.json');
  assert.deepEqual([...r.tensors.keys()], ['Variable', 'Variable_2']);
  assert.deepEqual(r.tensors.get('Variable')!.toArray(), [[1.5, -2]]);
  const err = (fn: () => unknown, pattern: RegExp) => assert.throws(fn, (e: unknown) => e instanceof FormatError && /^ck\/manifest\.json: /.test(e.message) && pattern.test(e.message));
  err(() => loadMl5Checkpoint(manifest, (f) => (f === 'a' ? files.get(f) : undefined), 'ck/manifest.json'), /variable 'Variable_2': its file 'b' is missing/);
  err(() => loadMl5Checkpoint(manifest, (f) => files.get(f)!.subarray(0, 6), 'ck/manifest.json'), /file 'b' holds 6 bytes but shape \[2\] of float32 needs 8/);
  err(() => loadMl5Checkpoint({ V: { filename: '../x', shape: [1] } }, () => undefined, 'ck/manifest.json'), /not a file name inside the checkpoint folder/);
  err(() => loadMl5Checkpoint({ V: { filename: 'x', shape: [-1] } }, () => undefined, 'ck/manifest.json'), /not a list of non-negative integers/);
  err(() => engstromNames(r.tensors, 'ck/manifest.json'), /variable 'Variable_1' \(conv1\.shift\) is missing/);
});
