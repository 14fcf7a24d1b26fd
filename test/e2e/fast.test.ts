// `ganstyle fast stylize` as a user runs it (compiled dist/src/cli.js): one file → one file, files
// and folders → a folder, outputs the size of their inputs (odd sizes too), a tiled run equal to the
// untiled one, and one-line errors (exit 2) for missing models, unknown layouts and bad outputs.
// The network is a TransformerNet with seeded random weights saved as safetensors (no ../shared);
// the shared Udnie model is used for a real-style run when present.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/rng.js';
import { decodeImage, encodeImage } from '../../src/io/image.js';
import { serializeSafetensors } from '../../src/io/safetensors.js';
import { TransformerNet } from '../../src/fast/transformer_net.js';
import { projectRoot, sharedDir } from '../helpers/shared.js';

const cli = path.join(projectRoot, 'dist/src/cli.js');
const dir = mkdtempSync(path.join(tmpdir(), 'ganstyle-fast-'));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'fast', 'stylize', ...args], { encoding: 'utf8', timeout: 300_000 });
const model = path.join(dir, 'net.safetensors');
writeFileSync(model, serializeSafetensors(new TransformerNet({ rng: new Rng(1) }).stateDict()));

async function writeImage(file: string, h: number, w: number, seed: number): Promise<void> {
  const t = Tensor.rand([1, 3, h, w], { rng: new Rng(seed), high: 255 });
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, await encodeImage(t, { range: [0, 255], mime: file.endsWith('.png') ? 'image/png' : 'image/jpeg' }));
}
const size = async (file: string) => (await decodeImage(new Uint8Array(readFileSync(file)))).shape.slice(2);

test('one input file → the output file, same size (odd sizes)', async () => {
  const input = path.join(dir, 'odd.png');
  await writeImage(input, 37, 23, 1);
  const out = path.join(dir, 'odd-out.jpg');
  const r = run('--model', model, input, '-o', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^wrote .*odd-out\.jpg: 0\.00 MP in [\d.]+ s/);
  assert.match(r.stderr, /TransformerNet/);
  assert.deepEqual(await size(out), [37, 23]);
});

test('files and folders → a folder; names and subfolders kept, batches by size', async () => {
  const src = path.join(dir, 'in');
  await writeImage(path.join(src, 'a.png'), 21, 30, 2);
  await writeImage(path.join(src, 'b.jpg'), 21, 30, 3);
  await writeImage(path.join(src, 'sub', 'c.png'), 9, 14, 4);
  const single = path.join(dir, 'single.png');
  await writeImage(single, 21, 30, 5);
  const out = path.join(dir, 'out');
  const r = run('--model', model, src, single, '-o', out, '--batch', '3');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /wrote 4 images in/);
  assert.match(r.stderr, /3 images 30×21/, 'the three 30×21 images ran as one batch');
  for (const [f, hw] of [['a.png', [21, 30]], ['b.jpg', [21, 30]], ['sub/c.png', [9, 14]], ['single.png', [21, 30]]] as const) {
    assert.ok(existsSync(path.join(out, f)), f);
    assert.deepEqual(await size(path.join(out, f)), [...hw], f);
  }
});

test('--tile-size: a tiled run equals the untiled run (max difference ≤ 1 of 255)', async () => {
  const input = path.join(dir, 'big.png');
  await writeImage(input, 70, 53, 6);
  const whole = path.join(dir, 'whole.png'), tiled = path.join(dir, 'tiled.png');
  const a = run('--model', model, input, '-o', whole, '--tile-size', '0');
  const b = run('--model', model, input, '-o', tiled, '--tile-size', '24');
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  assert.match(b.stderr, /\(tiled\)/);
  assert.match(b.stderr, /tiled pass 7\/7 \(\d+ tiles\)/);
  const [x, y] = [await decodeImage(new Uint8Array(readFileSync(whole))), await decodeImage(new Uint8Array(readFileSync(tiled)))];
  assert.deepEqual(y.shape, [1, 3, 70, 53]);
  let d = 0;
  for (let i = 0; i < x.size; i++) d = Math.max(d, Math.abs(x.data[i] - y.data[i]));
  assert.ok(d <= 1, `max difference ${d}`);
});

const udnie = path.join(sharedDir, 'models', 'fast-style-udnie.safetensors');
test('the shared Udnie network stylises an odd-sized photo', { skip: existsSync(udnie) ? false : `needs ${udnie}` }, async () => {
  const input = path.join(dir, 'photo.png');
  await writeImage(input, 33, 41, 7);
  const out = path.join(dir, 'photo-udnie.png');
  const r = run('--model', udnie, input, '-o', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /Engstrom's network/);
  assert.deepEqual(await size(out), [33, 41]);
});

test('errors: missing model, unknown layout, bad output name, missing input (exit 2, one line)', async () => {
  const input = path.join(dir, 'e.png');
  await writeImage(input, 12, 12, 8);
  const cases: [string[], RegExp][] = [
    [['--model', path.join(dir, 'nope.pth'), input, '-o', path.join(dir, 'e1.png')], /nope\.pth: no such file or folder/],
    [['--model', input, input, '-o', path.join(dir, 'e2.png')], /e\.png: unknown weights format/],
    [['--model', model, input, '-o', path.join(dir, 'e3.gif')], /e3\.gif: the output must end in \.png, \.jpg or \.jpeg/],
    [['--model', model, path.join(dir, 'missing.png'), input, '-o', path.join(dir, 'eout')], /missing\.png: no such image file or folder/],
  ];
  const other = path.join(dir, 'other.safetensors');
  writeFileSync(other, serializeSafetensors({ 'features.0.weight': Tensor.zeros([2]) }));
  cases.push([['--model', other, input, '-o', path.join(dir, 'e4.png')], /other\.safetensors: not a fast style network: .*match none of the known layouts/]);
  for (const [args, pattern] of cases) {
    const r = run(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  }
});
