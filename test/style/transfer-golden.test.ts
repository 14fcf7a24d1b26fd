// The reduced Gatys problem of issue 8 against PyTorch: the shared VGG-19 (conv1_1…conv3_4),
// Tübingen and Starry Night resized by ganstyle to 256×192 (test/style/gatys-ref-images.ts),
// content relu3_2, style relu1_1/relu2_1/relu3_1, weights 1/10/0, init content, L-BFGS lr 1,
// history 100, no line search. The golden values were measured with scripts/gatys-reference.py
// (Debian python3-torch 1.13.1, float32, 2 threads) on those exact PNGs:
//   npx tsx test/style/gatys-ref-images.ts scratch/gatys-ref
//   /usr/bin/python3 scripts/gatys-reference.py --iterations 1 --log scratch/gatys-ref/torch.jsonl \
//     --content scratch/gatys-ref/tubingen-256x192.png --style scratch/gatys-ref/starry_night-256x192.png
// Only k = 0 and k = 1 are compared here (later iterations depend on summation order; the
// 300-iteration comparison is done by hand, see docs/style-transfer.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { useBackend } from '../../src/backend.js';
import { registerNodeWasm } from '../../src/node/wasm.js';
import { loadVgg } from '../../src/node/weights.js';
import { gatys } from '../../src/style/transfer.js';
import { sharedDir } from '../helpers/shared.js';
import { referenceImage } from './gatys-ref-images.js';

const weights = path.join(sharedDir, 'models', 'vgg19-features-conv1_1-conv3_4.safetensors');
const images = path.join(sharedDir, 'images');
const skip = existsSync(weights) && existsSync(path.join(images, 'tubingen.jpg')) ? false : 'needs ../shared (models and images)';

// PyTorch (float32) at k = 0 and k = 1
const TORCH = [
  { total: 516232.96875, content: 0, style: 51623.296875, style_layers: { relu1_1: 151.27029418945312, relu2_1: 33347.3828125, relu3_1: 18124.642578125 } },
  { total: 516232.53125, content: 3.712910157105398e-08, style: 51623.25390625, style_layers: { relu1_1: 151.27023315429688, relu2_1: 33347.35546875, relu3_1: 18124.62890625 } },
];

/** FNV-1a over the 8-bit pixel values: identifies the exact inputs the golden values belong to. */
function fnv(data: Float32Array): string {
  let h = 2166136261;
  for (const v of data) h = Math.imul(h ^ v, 16777619) >>> 0;
  return h.toString(16);
}

test('reduced Gatys problem: totals at k = 0 and k = 1 equal PyTorch\'s to 1e-4 relative (style per layer too) [wasm]', { skip }, async () => {
  const content = await referenceImage(images, 'tubingen.jpg');
  const style = await referenceImage(images, 'starry_night.jpg');
  // if these change, the resampler changed: regenerate the PNGs and the PyTorch numbers
  assert.deepEqual([fnv(content.data), fnv(style.data)], ['e40a07d', '66ac3cb6'], 'the 256×192 reference pixels changed');
  registerNodeWasm();
  useBackend('wasm');
  try {
    const vgg = await loadVgg(weights);
    const { records } = await gatys(vgg, content, [style], {
      iterations: 1, contentLayers: 'relu3_2', styleLayers: 'relu1_1,relu2_1,relu3_1', contentWeight: 1, styleWeight: 10, tvWeight: 0,
    });
    assert.equal(records.length, 2);
    for (const [k, ref] of TORCH.entries()) {
      const r = records[k];
      const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
      assert.ok(rel(r.total, ref.total) <= 1e-4, `k=${k}: total ${r.total} vs torch ${ref.total}`);
      assert.ok(rel(r.style, ref.style) <= 1e-4, `k=${k}: style ${r.style} vs torch ${ref.style}`);
      for (const [l, v] of Object.entries(ref.style_layers)) assert.ok(rel(r.styleLayers[l], v) <= 1e-4, `k=${k}: style ${l} ${r.styleLayers[l]} vs torch ${v}`);
    }
    assert.equal(records[0].content, 0);
    // the first step is min(1, 1/‖g‖₁)·g: its content loss (≈ 3.7e-8) measures the step length
    assert.ok(Math.abs(records[1].content - TORCH[1].content) <= 0.02 * TORCH[1].content, `k=1: content ${records[1].content} vs torch ${TORCH[1].content}`);
    assert.ok(records[1].total < records[0].total);
  } finally {
    useBackend('ts');
  }
});
