// Measures the trade-off table of docs/fast-style-training.md for networks written by `fast train`:
// parameters, inference ms per megapixel (wasm backend, 1 thread, no graph; the median and the best
// of --repeats runs on a --size² image after one warm-up, the networks taking turns) and the perceptual loss of the run's own
// settings (read from the checkpoint beside the model) on fixed evaluation images (the content
// photos, centre-cropped and resized to --eval-size²), also of the run's initial network (its seed
// rebuilds it: the trainer's generator draws the initial weights first).
// Run: npx tsx scripts/fast-tradeoff.ts OUT_A OUT_B … [--size 512] [--repeats 5] [--eval-size 256]
//        [--eval ../shared/images/chelsea.png,…]
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setNumThreads, useBackend } from '../src/backend.js';
import { noGrad } from '../src/autograd.js';
import { Tensor } from '../src/tensor.js';
import { centerCropSquare, resizeImage } from '../src/io/image.js';
import { parseLayers } from '../src/style/losses.js';
import { parseSafetensorsRaw } from '../src/io/safetensors.js';
import { defaultFastLayers, PerceptualLoss } from '../src/fast/perceptual.js';
import { fastNetFromWeights } from '../src/fast/load.js';
import { buildStyleNet, type TrainArch } from '../src/fast/train.js';
import { Rng } from '../src/rng.js';
import type { FastRunSettings } from '../src/commands/fast_train.js';
import { readFileBytes } from '../src/node/files.js';
import { readImageFile } from '../src/node/fast_train.js';
import { loadVgg, readWeights } from '../src/node/weights.js';
import { registerNodeWasm } from '../src/node/wasm.js';

const { values: args, positionals: runs } = parseArgs({
  allowPositionals: true,
  options: {
    size: { type: 'string', default: '512' },
    repeats: { type: 'string', default: '5' },
    'eval-size': { type: 'string', default: '256' },
    eval: { type: 'string', default: ['chelsea.png', 'coffee.png', 'rocket.jpg', 'tubingen.jpg'].map((f) => `../shared/images/${f}`).join(',') },
  },
});
registerNodeWasm();
useBackend('wasm');
setNumThreads(1);
const size = Number(args.size), repeats = Number(args.repeats), evalSize = Number(args['eval-size']);
const evalImages = await Promise.all(args.eval.split(',').map(async (f) => resizeImage(centerCropSquare(await readImageFile(f, 'evaluation')), evalSize, evalSize)));
const batch = new Tensor(new Float32Array(evalImages.flatMap((t) => Array.from(t.data))), [evalImages.length, 3, evalSize, evalSize]);
const timed = evalImages[0].shape[2] === size ? evalImages[0] : resizeImage(evalImages[0], size, size);

// time all networks in turns (one forward of each per round), so that they share the machine's load
const nets = await Promise.all(runs.map(async (out) => fastNetFromWeights(await readWeights(path.join(out, 'model.safetensors')))));
for (const { net } of nets) noGrad(() => net.forward(timed));
const ms = nets.map(() => [] as number[]);
for (let i = 0; i < repeats; i++) {
  nets.forEach(({ net }, k) => {
    const t0 = performance.now();
    noGrad(() => net.forward(timed));
    ms[k].push(performance.now() - t0);
  });
}
const mp = (size * size) / 1e6;

console.log('| run | arch | parameters | ms/MP median (best) | content | style | total | total at step 0 |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [k, out] of runs.entries()) {
  const { arch, net } = nets[k];
  const params = net.parameters().reduce((a, p) => a + p.size, 0);
  const times = ms[k].sort((a, b) => a - b);
  const ckpt = path.join(out, 'checkpoint.safetensors');
  const meta = parseSafetensorsRaw(readFileBytes(ckpt), ckpt).metadata;
  const s = JSON.parse(meta.run) as FastRunSettings, seed = JSON.parse(meta.trainer).config.seed as number;
  const vgg = await loadVgg(s.weights);
  const layers = defaultFastLayers(vgg);
  const loss = new PerceptualLoss(vgg, await readImageFile(s.style, 'style', s.styleSize), {
    contentLayers: parseLayers(s.contentLayers || layers.content), styleLayers: parseLayers(s.styleLayers || layers.style),
    weights: { content: s.contentWeight, style: s.styleWeight, tv: s.tvWeight },
  });
  const t = noGrad(() => loss.evaluate(net.forward(batch), batch)).terms;
  const initial = buildStyleNet(arch as TrainArch, new Rng(seed));
  const t0 = noGrad(() => loss.evaluate(initial.forward(batch), batch)).terms;
  const e = (v: number) => v.toExponential(3);
  console.log(`| ${out} | ${arch} | ${params.toLocaleString('en-US')} | ${(times[times.length >> 1] / mp).toFixed(0)} (${(times[0] / mp).toFixed(0)}) | ${e(t.content)} | ${e(t.style)} | ${e(t.total)} | ${e(t0.total)} |`);
}
