// `ganstyle stylize` as a user runs it (compiled dist/src/cli.js) on tiny images with the shared
// partial VGG-19: outputs (PNG/JPEG, intermediate images, the JSON-lines log k = 0…N), the options
// of the classic tools, pixel-exact passthrough, and clear one-line errors (exit 2, no stack trace)
// for missing weights, corrupt or truncated weight files (safetensors, .pth, .h5), pickles that run
// code, NaN weights, files that are not images (text, truncated, empty), style images too small for
// the layers, absent layers and inconsistent options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { Tensor } from '../../src/tensor.js';
import { decodeImage, encodeImage } from '../../src/io/image.js';
import { parseSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import { projectRoot, sharedDir } from '../helpers/shared.js';

const cli = path.join(projectRoot, 'dist/src/cli.js');
const weights = path.join(sharedDir, 'models', 'vgg19-features-conv1_1-conv3_4.safetensors');
const skip = existsSync(weights) ? false : `needs ${weights}`;
const dir = mkdtempSync(path.join(tmpdir(), 'ganstyle-stylize-'));
const run = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [cli, 'stylize', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

/** A small RGB 0–255 picture with structure (stripes and a gradient). */
function picture(h: number, w: number, seed: number): Tensor {
  const d = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    d[(c * h + y) * w + x] = Math.round(127.5 + 120 * Math.sin(((x * (c + 1) + y * seed) / 4) + seed));
  }
  return new Tensor(d, [1, 3, h, w]);
}

let files: { content: string; style: string; style2: string } | undefined;
async function inputs() {
  if (files !== undefined) return files;
  const content = path.join(dir, 'content.png'), style = path.join(dir, 'style.jpg'), style2 = path.join(dir, 'style2.png');
  writeFileSync(content, await encodeImage(picture(18, 24, 1), { range: [0, 255] }));
  writeFileSync(style, await encodeImage(picture(20, 20, 2), { range: [0, 255], mime: 'image/jpeg' }));
  writeFileSync(style2, await encodeImage(picture(30, 16, 3), { range: [0, 255] }));
  return (files = { content, style, style2 });
}

/** Exit 2 with one clear line on stderr matching re, and no stack trace. */
function fails(r: ReturnType<typeof run>, re: RegExp): void {
  assert.equal(r.status, 2, `exit ${r.status}; stderr: ${r.stderr}`);
  assert.match(r.stderr, re);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('stylize: JPEG out, --log with k = 0…N, --save-every, progress bar on stderr', { skip }, async () => {
  const { content, style } = await inputs();
  const out = path.join(dir, 'out.jpg'), log = path.join(dir, 'log.jsonl');
  const r = run([content, style, '-o', out, '--weights', weights, '--size', '24', '--iterations', '4', '--log', log, '--save-every', '2']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^wrote .*out\.jpg: 4 iterations in [\d.]+ s, loss [\d.e+]+ \(content .*, style .*, tv .*\)$/m);
  assert.match(r.stderr, /4\/4 \| [\d.]+ s\/it .* total .* = content .* \+ style .* \+ tv /);
  const img = await decodeImage(new Uint8Array(readFileSync(out)));
  assert.deepEqual(img.shape, [1, 3, 18, 24]);
  assert.equal(readFileSync(out)[0], 0xff); // JPEG SOI
  assert.ok(existsSync(path.join(dir, 'out.iter0002.jpg')));
  assert.ok(!existsSync(path.join(dir, 'out.iter0004.jpg'))); // the last image is the output itself
  const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.iteration), [0, 1, 2, 3, 4]);
  for (const l of lines) {
    assert.deepEqual(Object.keys(l), ['iteration', 'content', 'style', 'tv', 'total', 'content_layers', 'style_layers', 'elapsed']);
    assert.deepEqual(Object.keys(l.style_layers), ['relu1_1', 'relu2_1', 'relu3_1']); // defaults with the partial VGG-19
    assert.deepEqual(Object.keys(l.content_layers), ['relu3_2']);
    assert.ok(Math.abs(l.total - (l.content + 100 * l.style)) <= 1e-5 * l.total);
  }
  assert.equal(lines[0].content, 0);
  assert.ok(lines[4].total < lines[0].total);
});

test('stylize: an input whose longest side equals --size is used pixel for pixel (PNG out, 0 iterations)', { skip }, async () => {
  const { content, style } = await inputs();
  const out = path.join(dir, 'same.png');
  const r = run([content, style, '-o', out, '--weights', weights, '--size', '24', '--iterations', '0', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const a = await decodeImage(new Uint8Array(readFileSync(out))), b = await decodeImage(new Uint8Array(readFileSync(content)));
  assert.deepEqual([...a.data], [...b.data]);
});

/** A minimal 8-bit PNG (color type 0 gray, 6 RGBA) written by hand, so the decoder sees those types. */
function png(w: number, h: number, colorType: 0 | 6, pixel: (x: number, y: number) => number[]): Uint8Array {
  const ch = colorType === 0 ? 1 : 4, raw = new Uint8Array(h * (1 + w * ch));
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set(pixel(x, y), y * (1 + w * ch) + 1 + x * ch);
  const chunk = (type: string, body: Uint8Array) => {
    const b = new Uint8Array(12 + body.length), v = new DataView(b.buffer);
    v.setUint32(0, body.length);
    b.set(new TextEncoder().encode(type), 4);
    b.set(body, 8);
    v.setUint32(8 + body.length, crc32(b.subarray(4, 8 + body.length)));
    return b;
  };
  const ihdr = new Uint8Array(13), hv = new DataView(ihdr.buffer);
  hv.setUint32(0, w);
  hv.setUint32(4, h);
  ihdr.set([8, colorType, 0, 0, 0], 8);
  const parts = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', new Uint8Array(deflateSync(raw))), chunk('IEND', new Uint8Array(0))];
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

test('stylize: grayscale and transparent PNG inputs (gray → R = G = B, alpha composited on white)', { skip }, async () => {
  const { style } = await inputs();
  const gray = path.join(dir, 'gray.png'), rgba = path.join(dir, 'rgba.png');
  writeFileSync(gray, png(16, 12, 0, (x, y) => [(x * 13 + y * 7) % 256]));
  writeFileSync(rgba, png(16, 12, 6, (x, y) => [200, 40, 10, x < 8 ? 255 : 0]));
  for (const [file, expect] of [[gray, (c: number, x: number, y: number) => (x * 13 + y * 7) % 256], [rgba, (c: number, x: number) => (x < 8 ? [200, 40, 10][c] : 255)]] as const) {
    const out = path.join(dir, `pass-${path.basename(file)}`);
    const r = run([file, style, '-o', out, '--weights', weights, '--size', '16', '--iterations', '0', '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    const img = await decodeImage(new Uint8Array(readFileSync(out)));
    assert.deepEqual(img.shape, [1, 3, 12, 16]);
    for (let c = 0; c < 3; c++) for (let y = 0; y < 12; y++) for (let x = 0; x < 16; x++) assert.equal(img.data[(c * 12 + y) * 16 + x], expect(c, x, y), `${file} c${c} (${x}, ${y})`);
  }
  // and they stylise
  const r = run([gray, rgba, '-o', path.join(dir, 'gray-out.png'), '--weights', weights, '--size', '16', '--iterations', '2', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
});

test('stylize: two styles with blend weights, layers with weights, Adam, noise init, avg pooling, original colours, multires', { skip }, async () => {
  const { content, style, style2 } = await inputs();
  const out = path.join(dir, 'multi.png'), log = path.join(dir, 'multi.jsonl');
  const r = run([content, style, style2, '-o', out, '--weights', weights, '--size', '24', '--iterations', '2', '--quiet',
    '--style-blend-weights', '1,3', '--style-layers', 'relu1_1:0.5,relu2_1', '--content-layers', 'relu2_2', '--style-weight', '100', '--tv-weight', '1e-4',
    '--optimizer', 'adam', '--learning-rate', '5', '--init', 'noise', '--seed', '3', '--pooling', 'avg', '--original-colors', '--multires', '2', '--style-scale', '0.5', '--log', log]);
  assert.equal(r.status, 0, r.stderr);
  const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => [l.level, l.iteration]), [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]);
  assert.deepEqual(lines[0].size, [12, 9]);
  assert.deepEqual(lines[3].size, [24, 18]);
  assert.deepEqual(Object.keys(lines[0].style_layers), ['relu1_1', 'relu2_1']);
  assert.ok(lines[0].content > 0); // noise start
  for (const l of lines) assert.ok(Math.abs(l.total - (l.content + 100 * l.style + 1e-4 * l.tv)) <= 1e-5 * l.total);
  assert.deepEqual((await decodeImage(new Uint8Array(readFileSync(out)))).shape, [1, 3, 18, 24]);
});

test('stylize: without --weights and without cached weights, fails fast naming --weights PATH', async () => {
  const { content, style } = await inputs();
  const empty = mkdtempSync(path.join(tmpdir(), 'ganstyle-cache-'));
  const t0 = Date.now();
  fails(run([content, style, '-o', path.join(dir, 'x.png')], { GANSTYLE_CACHE: empty }), /ganstyle: no VGG weights: pass --weights PATH .*ganstyle weights fetch vgg19/);
  assert.ok(Date.now() - t0 < 20_000);
});

test('stylize: corrupt, truncated, code-running and NaN weight files are clear errors', { skip }, async () => {
  const { content, style } = await inputs();
  const o = ['-o', path.join(dir, 'x.png'), '--size', '24', '--iterations', '1', '--quiet'];
  const bytes = new Uint8Array(readFileSync(weights));
  const cut = path.join(dir, 'cut.safetensors');
  writeFileSync(cut, bytes.subarray(0, 5000));
  fails(run([content, style, ...o, '--weights', cut]), /cut\.safetensors: .*(truncated|past the end|bytes)/);
  const junk = path.join(dir, 'junk.bin');
  writeFileSync(junk, 'this is not a weights file at all');
  fails(run([content, style, ...o, '--weights', junk]), /junk\.bin: unknown weights format/);
  // a torch.save zip whose pickle calls os.system('touch …')
  const marker = path.join(dir, 'pwned');
  const cmd = new TextEncoder().encode(`touch ${marker}`);
  const pkl = Uint8Array.from([0x80, 0x02, 0x63, ...new TextEncoder().encode('os\nsystem\n'), 0x58, cmd.length, 0, 0, 0, ...cmd, 0x85, 0x52, 0x2e]);
  const evil = path.join(dir, 'evil.pth');
  writeFileSync(evil, zipSync({ 'archive/data.pkl': [pkl, { level: 0 }], 'archive/version': [new TextEncoder().encode('3\n'), { level: 0 }] }));
  fails(run([content, style, ...o, '--weights', evil]), /evil\.pth: .*'os\.system'.*refusing/);
  assert.ok(!existsSync(marker));
  // NaN in conv1_2's weight
  const { tensors, metadata } = parseSafetensors(bytes, weights);
  const nan = path.join(dir, 'nan.safetensors');
  writeFileSync(nan, serializeSafetensors(new Map([...tensors].map(([k, t]) => [k, { data: k === 'features.2.weight' ? t.data.map((v, i) => (i === 3 ? NaN : v)) : t.data, shape: t.shape }])), metadata));
  fails(run([content, style, ...o, '--weights', nan]), /nan\.safetensors: features\.2\.weight \(conv1_2\) holds NaN values/);
  // the other formats cut short: a torch.save zip without its end, an HDF5 file shorter than its superblock says
  for (const [name, fixture, re] of [
    ['cut.pth', 'vgg19-features-head.pth', /cut\.pth: truncated zip archive/],
    ['cut.h5', 'vgg19-notop-head.h5', /cut\.h5: truncated HDF5 file/],
  ] as const) {
    const src = path.join(sharedDir, 'fixtures', fixture);
    if (!existsSync(src)) continue;
    const full = readFileSync(src), file = path.join(dir, name);
    writeFileSync(file, full.subarray(0, name.endsWith('.pth') ? full.length - 3000 : full.length >> 1));
    fails(run([content, style, ...o, '--weights', file]), re);
  }
});

test('stylize: bad images, absent layers and inconsistent options are clear errors', { skip }, async () => {
  const { content, style } = await inputs();
  const o = ['-o', path.join(dir, 'x.png'), '--weights', weights, '--size', '24', '--iterations', '1', '--quiet'];
  const text = path.join(dir, 'notes.jpg');
  writeFileSync(text, 'not an image');
  fails(run([text, style, ...o]), /notes\.jpg: cannot decode image/);
  fails(run([content, path.join(dir, 'missing.png'), ...o]), /missing\.png: no such style image/);
  // a PNG cut in half and an empty file
  const png = readFileSync(content), half = path.join(dir, 'half.png'), empty = path.join(dir, 'empty.jpg');
  writeFileSync(half, png.subarray(0, png.length >> 1));
  writeFileSync(empty, '');
  fails(run([content, half, ...o]), /half\.png: cannot decode image/);
  fails(run([empty, style, ...o]), /empty\.jpg: cannot decode image/);
  fails(run([content, style, ...o, '--init', half]), /half\.png: cannot decode image/);
  // style and content may differ in size, but a style image scaled below the layers' reach is an error
  fails(run([content, style, ...o, '--style-scale', '0.1']), /the style image is 2×2 px; layer relu1_1\/relu2_1\/relu3_1 needs at least 4×4/);
  fails(run([content, style, ...o, '--style-layers', 'relu4_1']), /layer 'relu4_1' .* not available.*available layers: conv1_1, relu1_1, .*relu3_4, pool3/);
  fails(run([content, style, ...o, '--content-layers', 'relu5_2']), /relu5_2.*not available/);
  fails(run([content, style, ...o, '--style-blend-weights', '1,2']), /2 style blend weights for 1 style images/);
  fails(run([content, style, ...o, '--size', '2']), /the content image is 2×2 px; layer relu3_2 needs at least 4×4/);
  fails(run([content, style, '-o', path.join(dir, 'x.gif'), '--weights', weights]), /x\.gif: the output must end in \.png, \.jpg or \.jpeg/);
  fails(run([content, style, ...o, '--init', path.join(dir, 'nope.png')]), /nope\.png: no such init image/);
  const bad = run([content, style, ...o, '--content-weight', 'abc']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--content-weight must be a finite number ≥ 0/);
});

const fixtureH5 = path.join(sharedDir, 'fixtures', 'vgg19-notop-head.h5');
const fetchRun = (args: string[], env: Record<string, string>) => spawnSync(process.execPath, [cli, 'weights', 'fetch', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

test('weights fetch: offline it fails fast naming --weights PATH (never downloads in tests)', () => {
  const cache = mkdtempSync(path.join(tmpdir(), 'ganstyle-cache-'));
  const t0 = Date.now();
  const r = fetchRun(['vgg19', '--quiet'], { GANSTYLE_CACHE: cache, GANSTYLE_WEIGHTS_URL: 'http://127.0.0.1:59999/vgg19.h5' });
  fails(r, /ganstyle: cannot download http:\/\/127\.0\.0\.1:59999\/vgg19\.h5 \(.*\); without these weights, pass --weights PATH/);
  assert.ok(Date.now() - t0 < 20_000);
  assert.ok(!existsSync(path.join(cache, 'vgg19-imagenet-notop.safetensors')));
  fails(fetchRun(['vgg16'], { GANSTYLE_CACHE: cache }), /unknown weights 'vgg16' \(known: vgg19\)/);
});

test('weights fetch --from FILE.h5: MD5 checked, converted to RGB safetensors in the cache, then stylize\'s default', { skip: existsSync(fixtureH5) ? false : `needs ${fixtureH5}` }, async () => {
  const cache = mkdtempSync(path.join(tmpdir(), 'ganstyle-cache-'));
  const env = { GANSTYLE_CACHE: cache };
  fails(fetchRun(['vgg19', '--from', fixtureH5], env), /vgg19-notop-head\.h5: MD5 [0-9a-f]{32} is not Keras' 253f8cb515780f3b799900260a226db6/);
  const ok = fetchRun(['vgg19', '--from', fixtureH5, '--no-check'], env);
  assert.equal(ok.status, 0, ok.stderr);
  const file = path.join(cache, 'vgg19-imagenet-notop.safetensors');
  assert.match(ok.stdout, /wrote .*vgg19-imagenet-notop\.safetensors \(4 conv layers/);
  const { tensors, metadata } = parseSafetensors(new Uint8Array(readFileSync(file)), file);
  assert.deepEqual(JSON.parse(metadata.preprocessing), { channelOrder: 'RGB', range: 255, mean: [123.68, 116.779, 103.939], std: null });
  assert.deepEqual([...tensors.keys()], ['features.0.weight', 'features.0.bias', 'features.2.weight', 'features.2.bias', 'features.5.weight', 'features.5.bias', 'features.7.weight', 'features.7.bias']);
  assert.match(fetchRun(['vgg19', '--from', fixtureH5, '--no-check'], env).stdout, /already there/);
  const { content, style } = await inputs();
  const log = path.join(dir, 'cached.jsonl');
  const r = run([content, style, '-o', path.join(dir, 'cached.png'), '--size', '16', '--iterations', '1', '--quiet', '--log', log], env);
  assert.equal(r.status, 0, r.stderr);
  const first = JSON.parse(readFileSync(log, 'utf8').split('\n')[0]);
  assert.deepEqual(Object.keys(first.style_layers), ['relu1_1', 'relu2_1']); // what these weights hold
  assert.deepEqual(Object.keys(first.content_layers), ['relu2_2']);
});

test('stylize: --weights in the other formats (TF.js layers folder with absent groups, torchvision .pth)', { skip }, async () => {
  const { content, style } = await inputs();
  const tfjs = path.join(sharedDir, 'models', 'vgg19-keras-tfjs-partial');
  const pth = path.join(sharedDir, 'fixtures', 'vgg19-features-head.pth');
  for (const [w, styleLayers] of [[tfjs, ['relu1_1', 'relu2_1', 'relu3_1']], [pth, null]] as const) {
    if (!existsSync(w)) continue;
    const log = path.join(dir, `fmt-${path.basename(w)}.jsonl`);
    const r = run([content, style, '-o', path.join(dir, 'fmt.png'), '--weights', w, '--size', '16', '--iterations', '1', '--quiet', '--log', log]);
    assert.equal(r.status, 0, `${w}: ${r.stderr}`);
    const first = JSON.parse(readFileSync(log, 'utf8').split('\n')[0]);
    assert.ok(Number.isFinite(first.total) && first.total > 0, `${w}: total ${first.total}`);
    if (styleLayers !== null) {
      assert.deepEqual(Object.keys(first.style_layers), styleLayers);
      // the same network as the safetensors file (BGR conv1_1 turned to RGB): the same loss
      const ref = path.join(dir, 'fmt-ref.jsonl');
      assert.equal(run([content, style, '-o', path.join(dir, 'fmt.png'), '--weights', weights, '--size', '16', '--iterations', '0', '--quiet', '--log', ref]).status, 0);
      const r0 = JSON.parse(readFileSync(ref, 'utf8').split('\n')[0]);
      assert.ok(Math.abs(first.total - r0.total) <= 1e-4 * r0.total, `${first.total} vs ${r0.total}`);
    }
  }
});
