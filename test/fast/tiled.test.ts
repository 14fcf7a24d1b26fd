// Tiled inference equals the whole-image run (exact global instance-norm statistics, two-pass),
// for both networks, on images several tiles wide with odd sizes; stylize keeps the input's size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/rng.js';
import { noGrad } from '../../src/autograd.js';
import { F } from '../../src/ops/index.js';
import { runTiled, stylize, type FastStyleNet, type TileProgress } from '../../src/fast/tiled.js';
import { fastNetFromWeights } from '../../src/fast/load.js';
import { readWeights } from '../../src/node/weights.js';
import { withBackend } from '../helpers/backends.js';
import { setNumThreads, setResultPoison } from '../../src/backend.js';
import { needsShared, sharedDir } from '../helpers/shared.js';
import { maxAbs, maxAbsDiff, randomEngstrom, randomTransformer } from './helpers.js';

const image = (h: number, w: number, seed: number) => Tensor.rand([1, 3, h, w], { rng: new Rng(seed), high: 255 });

function checkTiled(net: FastStyleNet, x: Tensor, tileSize: number, tol: number, what: string): TileProgress[] {
  const seen: TileProgress[] = [];
  const [whole, tiled] = withBackend('wasm', () => [stylize(net, x), stylize(net, x, { tileSize, onProgress: (p) => seen.push(p) })]);
  assert.deepEqual(tiled.shape, x.shape, `${what}: output has the input's size`);
  assert.deepEqual(whole.shape, x.shape);
  const d = maxAbsDiff(whole, tiled);
  assert.ok(d <= tol, `${what}: tiled differs from whole by ${d} (tolerance ${tol})`);
  assert.ok(seen.length > 0 && seen.every((p) => p.tiles > 1), `${what}: it did run in several tiles`);
  return seen;
}

test('tiled Engstrom (random weights) equals the whole run on a 61×47 image in 16-px tiles', () => {
  const seen = checkTiled(randomEngstrom(1), image(61, 47, 2), 16, 0.05, 'engstrom');
  // 3 norms in the head, 3 in the tail: 4 + 4 passes; the 64×48 padded image is 4×3 tiles.
  assert.equal(seen[0].passes, 8);
  assert.equal(seen[0].tiles, 12);
  assert.deepEqual([...new Set(seen.map((p) => p.pass))], [1, 2, 3, 4, 5, 6, 7, 8]);
});

test('tiled TransformerNet (random weights) equals the whole run on a 45×58 image in 20-px tiles', () => {
  const net = randomTransformer(3);
  const x = image(45, 58, 4);
  const scale = withBackend('wasm', () => maxAbs(stylize(net, x)));
  checkTiled(net, x, 20, 1e-3 * Math.max(1, scale), 'transformer');
});

test('tiled Engstrom wave (shared model) equals the whole run within 1/255-scale', { skip: needsShared }, async () => {
  const { net } = fastNetFromWeights(await readWeights(path.join(sharedDir, 'models/fast-style-wave.safetensors')));
  checkTiled(net, image(53, 70, 5), 24, 0.05, 'wave');
});

test('per-tile statistics would be wrong: stitching independently stylised tiles differs from the whole run', () => {
  // Guards the test above: the two-pass global statistics are what makes tiles agree.
  const net = randomEngstrom(1), x = image(64, 48, 2);
  const [whole, stitched] = withBackend('wasm', () => noGrad(() => {
    const halves = [0, 32].map((h0) => net.forward(F.narrow(x, { dim: 2, start: h0, length: 32 })));
    return [net.forward(x), F.cat(halves[0], halves[1], { dim: 2 })];
  }));
  assert.ok(maxAbsDiff(whole, stitched) > 1);
});

test('stylize keeps any input size (odd, tiny, non-multiples of 4) and batches', () => {
  const net = randomTransformer(5);
  for (const [h, w] of [[5, 7], [2, 3], [13, 10], [9, 16]]) {
    const y = withBackend('wasm', () => stylize(net, Tensor.rand([2, 3, h, w], { rng: new Rng(h), high: 255 })));
    assert.deepEqual(y.shape, [2, 3, h, w]);
    assert.ok(y.data.every(Number.isFinite));
  }
  assert.throws(() => stylize(net, Tensor.zeros([1, 3, 1, 9])), /stylize: image 9×1 is too small/);
  assert.throws(() => stylize(net, Tensor.zeros([1, 1, 9, 9])), /stylize: expected images \[N, 3, H, W\]/);
});

test('stylize runs the whole network in a result scope: its output outlives the scope (freed blocks poisoned) and equals the unscoped forward', () => {
  const net = randomEngstrom(8);
  const x = image(24, 20, 9);
  setResultPoison(true);
  try {
    for (const threads of [1, 2]) {
      withBackend('wasm', () => {
        setNumThreads(threads);
        try {
          const y = stylize(net, x), want = noGrad(() => net.forward(x));
          stylize(net, image(24, 20, 10)); // reuses the freed blocks: a result left in them would change
          assert.deepEqual([...y.data], [...want.data], `${threads} thread(s)`);
        } finally {
          setNumThreads(1);
        }
      });
    }
  } finally {
    setResultPoison(false);
  }
});

test('stylize tiles a batch image by image: each equals its whole run', () => {
  const net = randomEngstrom(6);
  const x = Tensor.rand([2, 3, 30, 26], { rng: new Rng(7), high: 255 });
  const [whole, tiled] = withBackend('wasm', () => [stylize(net, x), stylize(net, x, { tileSize: 12 })]);
  assert.deepEqual(tiled.shape, [2, 3, 30, 26]);
  assert.ok(maxAbsDiff(whole, tiled) < 0.05);
});

test('runTiled checks its input', () => {
  const plan = randomEngstrom(1).tilePlan();
  assert.throws(() => runTiled(plan, Tensor.zeros([2, 3, 8, 8]), { tileSize: 4 }), /runTiled: expected one image \[1, C, H, W\], got \[2, 3, 8, 8\]/);
  assert.throws(() => runTiled(plan, Tensor.zeros([1, 3, 8, 8]), { tileSize: 0 }), /tileSize must be an integer ≥ 1/);
});
