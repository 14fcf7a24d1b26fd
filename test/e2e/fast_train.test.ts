// `ganstyle fast train` as a user runs it (compiled dist/src/cli.js) on tiny generated images with
// the shared partial VGG-19: the output folder (checkpoint, model, log, sample grids, curves),
// --resume continuing exactly (same log values and weights as an uninterrupted run), the trained
// light network loading into `fast stylize`, AdaIN decoder training and stylisation, and one-line errors (exit 2, no stack trace) for an
// empty or bad --data folder, a bad or missing --style image, a missing checkpoint and a diverging run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Tensor } from '../../src/tensor.js';
import { decodeImage, encodeImage } from '../../src/io/image.js';
import { parseSafetensors } from '../../src/io/safetensors.js';
import { projectRoot, sharedDir } from '../helpers/shared.js';

const cli = path.join(projectRoot, 'dist/src/cli.js');
const weights = path.join(sharedDir, 'models', 'vgg19-features-conv1_1-conv3_4.safetensors');
const skip = existsSync(weights) ? false : `needs ${weights}`;
const dir = mkdtempSync(path.join(tmpdir(), 'ganstyle-fast-train-'));
const run = (args: string[]) => spawnSync(process.execPath, [cli, 'fast', ...args], { encoding: 'utf8' });

function picture(h: number, w: number, seed: number): Tensor {
  const d = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    d[(c * h + y) * w + x] = Math.round(127.5 + 120 * Math.sin(((x * (c + 1) + y * seed) / 4) + seed));
  }
  return new Tensor(d, [1, 3, h, w]);
}

let files: { data: string; style: string } | undefined;
async function inputs() {
  if (files !== undefined) return files;
  const data = path.join(dir, 'data');
  mkdirSync(path.join(data, 'sub'), { recursive: true });
  writeFileSync(path.join(data, 'a.png'), await encodeImage(picture(24, 30, 1), { range: [0, 255] }));
  writeFileSync(path.join(data, 'sub', 'b.jpg'), await encodeImage(picture(28, 22, 2), { range: [0, 255], mime: 'image/jpeg' }));
  const style = path.join(dir, 'style.png');
  writeFileSync(style, await encodeImage(picture(32, 32, 5), { range: [0, 255] }));
  return (files = { data, style });
}

function fails(r: ReturnType<typeof run>, re: RegExp): void {
  assert.equal(r.status, 2, `exit ${r.status}; stderr: ${r.stderr}`);
  assert.match(r.stderr, re);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

const common = (out: string, f: { data: string; style: string }) => [
  'train', '--style', f.style, '--data', f.data, '--weights', weights, '-o', out, '--arch', 'mobile', '--crop', '16', '--batch', '2', '--lr', '0.01', '--sample-every', '2',
];
const logOf = (out: string) => readFileSync(path.join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const tensorsOf = (file: string) => Object.fromEntries([...parseSafetensors(new Uint8Array(readFileSync(file))).tensors].map(([k, t]) => [k, Array.from(t.data)]));

test('fast train: output folder, then --resume continues exactly; the network loads in fast stylize', { skip }, async () => {
  const f = await inputs();
  const a = path.join(dir, 'a'), b = path.join(dir, 'b');
  const r = run([...common(a, f), '--steps', '3']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^3 steps at [\d.]+ s\/step, last loss [\d.e+]+ \(content .*, style .*\); network in .*model\.safetensors/m);
  assert.match(r.stderr, /step 3 \| [\d.]+ s\/step \| ETA .* \| loss [\d.]+e[+-]\d+ \| content [\d.]+e[+-]\d+ \| style /);
  for (const p of ['checkpoint.safetensors', 'model.safetensors', 'samples/step-000000.png', 'samples/step-000002.png', 'samples/step-000003.png', 'samples.png', 'curves.png']) {
    assert.ok(existsSync(path.join(a, p)), `${p} missing`);
  }
  const grid = await decodeImage(new Uint8Array(readFileSync(path.join(a, 'samples.png'))));
  // 2 content images of 32² (2 × crop) on the first row, their stylised versions below
  assert.deepEqual(grid.shape, [1, 3, 2 + 2 * 34, 2 + 2 * 34]);
  const logA = logOf(a);
  assert.deepEqual(logA.map((l) => l.step), [1, 2, 3]);
  assert.ok(logA.every((l) => l.total > 0 && l.content > 0 && l.style > 0));

  assert.equal(run([...common(b, f), '--steps', '2', '--quiet']).status, 0);
  const rb = run(['train', '-o', b, '--resume', '--steps', '3', '--quiet']);
  assert.equal(rb.status, 0, rb.stderr);
  const logB = logOf(b);
  assert.deepEqual(logB.map((l) => [l.step, l.content, l.style, l.total]), logA.map((l) => [l.step, l.content, l.style, l.total]));
  assert.deepEqual(tensorsOf(path.join(b, 'model.safetensors')), tensorsOf(path.join(a, 'model.safetensors')));
  fails(run(['train', '-o', b, '--resume', '--steps', '4', '--lr', '0.5']), /--resume: lr 0\.5 differs from the run's 0\.01/);

  const out = path.join(dir, 'stylized.png');
  const rs = run(['stylize', path.join(f.data, 'a.png'), '--model', path.join(a, 'model.safetensors'), '-o', out, '--quiet']);
  assert.equal(rs.status, 0, rs.stderr);
  assert.deepEqual((await decodeImage(new Uint8Array(readFileSync(out)))).shape, [1, 3, 24, 30]);
});

test('fast train: clear errors for bad data, style, checkpoint and a diverging run', { skip }, async () => {
  const f = await inputs();
  const empty = path.join(dir, 'empty'), bad = path.join(dir, 'bad'), out = path.join(dir, 'err');
  mkdirSync(empty, { recursive: true });
  mkdirSync(bad, { recursive: true });
  writeFileSync(path.join(bad, 'broken.jpg'), 'not a jpeg');
  const args = (data: string, style: string) => ['train', '--style', style, '--data', data, '--weights', weights, '-o', out, '--crop', '16', '--steps', '1', '--quiet'];
  fails(run(args(empty, f.style)), /empty: no content images/);
  fails(run(args(path.join(dir, 'nope'), f.style)), /nope: no such folder/);
  fails(run(args(bad, f.style)), /broken\.jpg: cannot decode image/);
  fails(run(args(f.data, path.join(dir, 'missing.jpg'))), /missing\.jpg: no such style image/);
  fails(run(args(f.data, path.join(bad, 'broken.jpg'))), /broken\.jpg: cannot decode image/);
  fails(run(['train', '-o', path.join(dir, 'none'), '--resume', '--steps', '1']), /--resume: .*checkpoint\.safetensors does not exist/);
  fails(run(['train', '--style', f.style, '--data', f.data, '-o', out, '--steps', '1']), /--weights is required/);
  fails(run([...common(path.join(dir, 'nan'), f), '--lr', '1e30', '--steps', '5', '--quiet']), /step 2: the perceptual loss is (NaN|Infinity)/);
});

test('fast adain-train + fast adain: decoder, exact resume, alpha, style mixing, colour preservation', { skip }, async () => {
  const f = await inputs();
  const styles = path.join(dir, 'styles');
  mkdirSync(styles, { recursive: true });
  writeFileSync(path.join(styles, 's1.png'), await encodeImage(picture(32, 32, 5), { range: [0, 255] }));
  writeFileSync(path.join(styles, 's2.png'), await encodeImage(picture(30, 36, 7), { range: [0, 255] }));
  const args = (out: string) => ['adain-train', '--data', f.data, '--style-data', styles, '--weights', weights, '-o', out, '--crop', '16', '--batch', '2', '--lr', '0.001', '--quiet'];
  const a = path.join(dir, 'adain-a'), b = path.join(dir, 'adain-b');
  const r = run([...args(a), '--steps', '3']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^3 steps at [\d.]+ s\/step, last loss .*decoder in .*decoder\.safetensors/m);
  for (const p of ['checkpoint.safetensors', 'decoder.safetensors', 'samples.png', 'curves.png', 'samples/step-000003.png']) assert.ok(existsSync(path.join(a, p)), `${p} missing`);
  assert.equal(run([...args(b), '--steps', '2']).status, 0);
  assert.equal(run(['adain-train', '-o', b, '--resume', '--steps', '3', '--quiet']).status, 0);
  assert.deepEqual(logOf(b).map((l) => [l.step, l.total]), logOf(a).map((l) => [l.step, l.total]));
  assert.deepEqual(tensorsOf(path.join(b, 'decoder.safetensors')), tensorsOf(path.join(a, 'decoder.safetensors')));

  const out = (n: string) => path.join(dir, n);
  const base = ['adain', path.join(f.data, 'a.png'), path.join(styles, 's1.png'), '--decoder', path.join(a, 'decoder.safetensors'), '--weights', weights];
  const read = async (n: string) => Array.from((await decodeImage(new Uint8Array(readFileSync(out(n))))).data);
  for (const [n, extra] of [['full.png', []], ['half.png', ['--alpha', '0.5']], ['color.png', ['--preserve-color']]] as const) {
    const rr = run([...base, '-o', out(n), ...extra]);
    assert.equal(rr.status, 0, rr.stderr);
    assert.match(rr.stdout, /^wrote .* in [\d.]+ s$/m);
  }
  assert.equal((await read('full.png')).length, 3 * 24 * 30);
  assert.notDeepEqual(await read('half.png'), await read('full.png'));
  assert.notDeepEqual(await read('color.png'), await read('full.png'));
  const mix = run([...base, path.join(styles, 's2.png'), '--style-weights', '1,1', '-o', out('mix.png')]);
  assert.equal(mix.status, 0, mix.stderr);
  fails(run([...base, '-o', out('x.png'), '--alpha', '2']), /alpha must be in \[0, 1\]/);
  fails(run([...base.slice(0, 3), '--decoder', path.join(a, 'model.safetensors'), '--weights', weights, '-o', out('x.png')]), /model\.safetensors: cannot read/);
  fails(run(['adain', path.join(f.data, 'a.png'), path.join(styles, 's1.png'), '--decoder', path.join(a, 'checkpoint.safetensors'), '--weights', weights, '-o', out('x.png')]), /not an AdaIN decoder/);
});
