// Image folders as training data: centre crop + antialiased resize + grayscale/RGB, file order and
// filtering, and errors that name the folder or the file (missing, empty, corrupt).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Tensor } from '../../src/tensor.js';
import { centerCropSquare, decodeImage, encodeImage, resizeImage, toGrayscale } from '../../src/io/image.js';
import { listImages, loadImageFolder } from '../../src/node/image_folder.js';
import { readFileBytes } from '../../src/node/files.js';
import { sharedDir } from '../helpers/shared.js';

const imagesDir = path.join(sharedDir, 'images');

function withTemp(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ganstyle-folder-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** An RGB image [3, h, w] in [0, 1] whose pixel (y, x) is f(y, x). */
function rgb(h: number, w: number, f: (y: number, x: number) => [number, number, number]): Tensor {
  const out = new Float32Array(3 * h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) f(y, x).forEach((v, c) => (out[(c * h + y) * w + x] = v));
  return new Tensor(out, [3, h, w]);
}

test('centerCropSquare: keeps the centred square of the short side', () => {
  const t = new Tensor(Float32Array.from({ length: 2 * 3 * 5 }, (_, i) => i), [1, 2, 3, 5]);
  const c = centerCropSquare(t);
  assert.deepEqual(c.shape, [1, 2, 3, 3]);
  assert.deepEqual([...c.data], [1, 2, 3, 6, 7, 8, 11, 12, 13, 16, 17, 18, 21, 22, 23, 26, 27, 28]);
  assert.deepEqual(centerCropSquare(new Tensor(new Float32Array(6), [1, 3, 2])).shape, [1, 2, 2]);
});

test('resizeImage: bilinear upscaling as PIL/torch (align_corners=False); antialiased downscaling keeps ramps and means', () => {
  // 1×2 → 1×4: [0, 4] → [0, 1, 3, 4]
  assert.deepEqual([...resizeImage(new Tensor(Float32Array.from([0, 4]), [1, 1, 2]), 1, 4).data], [0, 1, 3, 4]);
  // a horizontal ramp f(x) = x shrunk 64 → 8: interior outputs sample the ramp at the output pixel centres
  const ramp = new Tensor(Float32Array.from({ length: 64 * 64 }, (_, i) => i % 64), [1, 64, 64]);
  const r = resizeImage(ramp, 8, 8);
  for (let x = 1; x < 7; x++) assert.ok(Math.abs(r.data[3 * 8 + x] - ((x + 0.5) * 8 - 0.5)) < 1e-4, `ramp[${x}] = ${r.data[3 * 8 + x]}`);
  // a 1-pixel checkerboard shrunk ×4 averages to grey (no aliasing), a constant stays constant
  const checker = new Tensor(Float32Array.from({ length: 32 * 32 }, (_, i) => ((i % 32) + Math.floor(i / 32)) % 2), [1, 32, 32]);
  for (const v of resizeImage(checker, 8, 8).data) assert.ok(Math.abs(v - 0.5) < 0.05, `checker → ${v}`);
  for (const v of resizeImage(Tensor.full([3, 7, 9], 0.25), 4, 5).data) assert.ok(Math.abs(v - 0.25) < 1e-6);
  assert.deepEqual(resizeImage(Tensor.zeros([1, 3, 7, 9]), 4, 5).shape, [1, 3, 4, 5]);
  assert.throws(() => resizeImage(Tensor.zeros([7, 9]), 4, 4), /resizeImage: expected an image/);
  assert.throws(() => resizeImage(Tensor.zeros([1, 7, 9]), 0, 4), RangeError);
});

test('toGrayscale: 0.299 R + 0.587 G + 0.114 B', () => {
  const g = toGrayscale(rgb(1, 3, (_, x) => [x === 0 ? 1 : 0, x === 1 ? 1 : 0, x === 2 ? 1 : 0]));
  assert.deepEqual(g.shape, [1, 1, 3]);
  assert.deepEqual([...g.data], [Math.fround(0.299), Math.fround(0.587), Math.fround(0.114)]);
  assert.throws(() => toGrayscale(Tensor.zeros([1, 4, 4])), /expected 3 channels/);
});

test('loadImageFolder: centre crop, resize, RGB and grayscale from PNG files; order, subfolders, hidden files, limit', withTemp(async (dir) => {
  // 40 wide × 20 high: red | green | blue thirds of 10, 20, 10 columns → the centre square is green
  const bands = rgb(20, 40, (_, x) => (x < 10 ? [1, 0, 0] : x < 30 ? [0, 1, 0] : [0, 0, 1]));
  writeFileSync(path.join(dir, 'b.png'), await encodeImage(bands));
  // 20 × 20 vertical ramp from black (top) to white (bottom)
  const ramp = rgb(20, 20, (y) => [y / 19, y / 19, y / 19]);
  mkdirSync(path.join(dir, 'sub'));
  writeFileSync(path.join(dir, 'sub', 'a.png'), await encodeImage(ramp));
  writeFileSync(path.join(dir, '.hidden.png'), await encodeImage(ramp));
  writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
  assert.deepEqual(listImages(dir), [path.join(dir, 'b.png'), path.join(dir, 'sub', 'a.png')]);

  const set = await loadImageFolder(dir, { size: 10, channels: 3 });
  assert.equal(set.count, 2);
  assert.deepEqual(set.shape, [3, 10, 10]);
  assert.equal(set.images.length, 2 * 300);
  const first = set.images.subarray(0, 300);
  for (let i = 0; i < 100; i++) assert.deepEqual([first[i], first[100 + i], first[200 + i]], [0, 1, 0], `pixel ${i} of the cropped bands`);
  const second = set.images.subarray(300, 600);
  for (let y = 1; y < 10; y++) assert.ok(second[y * 10 + 5] > second[(y - 1) * 10 + 5], 'ramp increases downwards');
  assert.ok(second[5] < 0.1 && second[95] > 0.9, `ramp ends ${second[5]}, ${second[95]}`);

  const gray = await loadImageFolder(dir, { size: 10, channels: 1 });
  assert.deepEqual(gray.shape, [1, 10, 10]);
  for (let i = 0; i < 100; i++) assert.ok(Math.abs(gray.images[i] - 0.587) < 1e-6, `luma of green: ${gray.images[i]}`);
  assert.equal((await loadImageFolder(dir, { size: 4, limit: 1 })).count, 1);
  let calls = 0;
  await loadImageFolder(dir, { size: 4, onProgress: (done, total) => (calls++, assert.equal(total, 2)) });
  assert.equal(calls, 2);
  await assert.rejects(loadImageFolder(dir, { size: 0 }), RangeError);
  await assert.rejects(loadImageFolder(dir, { channels: 2 as 1 }), RangeError);
}));

test('loadImageFolder errors: missing folder, a file, an empty folder, a corrupt image named in the message', withTemp(async (dir) => {
  await assert.rejects(loadImageFolder(path.join(dir, 'nope')), (e: Error) => e.message.includes('nope') && /no such folder/.test(e.message));
  writeFileSync(path.join(dir, 'file.png'), 'x');
  await assert.rejects(loadImageFolder(path.join(dir, 'file.png')), /file\.png: not a folder/);
  const empty = path.join(dir, 'empty');
  mkdirSync(empty);
  await assert.rejects(loadImageFolder(empty), /empty: no images/);
  writeFileSync(path.join(empty, 'readme.txt'), 'text only');
  await assert.rejects(loadImageFolder(empty), /empty: no images/);
  const bad = path.join(dir, 'bad');
  mkdirSync(bad);
  writeFileSync(path.join(bad, 'ok.png'), await encodeImage(Tensor.full([3, 4, 4], 0.5)));
  writeFileSync(path.join(bad, 'x.png'), Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 255));
  await assert.rejects(loadImageFolder(bad), (e: Error) => /x\.png: cannot decode image/.test(e.message));
}));

test('loadImageFolder on ../shared/images: every photo, means preserved, grayscale = luma of RGB', { skip: existsSync(imagesDir) ? false : 'needs ../shared/images' }, async () => {
  const files = listImages(imagesDir);
  assert.equal(files.length, 9); // PROVENANCE.md is not an image
  const set = await loadImageFolder(imagesDir, { size: 32, channels: 3 });
  const gray = await loadImageFolder(imagesDir, { size: 32, channels: 1 });
  assert.equal(set.count, 9);
  assert.deepEqual(set.shape, [3, 32, 32]);
  for (const v of set.images) assert.ok(v >= 0 && v <= 1);
  for (let i = 0; i < set.count; i++) {
    // the mean colour of the resized image matches the mean of the full-resolution centre square
    const full = centerCropSquare(await decodeImage(readFileBytes(files[i]), files[i]));
    const n = full.size / 3;
    for (let c = 0; c < 3; c++) {
      let m = 0;
      for (let j = 0; j < n; j++) m += full.data[c * n + j] / 255;
      m /= n;
      let r = 0;
      for (let j = 0; j < 1024; j++) r += set.images[i * 3072 + c * 1024 + j] / 1024;
      assert.ok(Math.abs(r - m) < 0.01, `${path.basename(files[i])} channel ${c}: ${r} vs ${m}`);
    }
    for (let j = 0; j < 1024; j++) {
      const [R, G, B] = [0, 1, 2].map((c) => set.images[i * 3072 + c * 1024 + j]);
      assert.ok(Math.abs(gray.images[i * 1024 + j] - (0.299 * R + 0.587 * G + 0.114 * B)) < 1e-5, `${path.basename(files[i])} luma ${j}`);
    }
  }
});
