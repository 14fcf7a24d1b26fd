// `ganstyle fast adain-train` (a decoder for arbitrary style transfer, Huang & Belongie 2017) and
// `ganstyle fast adain CONTENT STYLE… --decoder D`: the Node side — folders of content and style
// images, the shared training loop (progress, log.jsonl, samples, curves, exact --resume), and
// stylisation with alpha, several weighted styles and colour preservation.
// OUT/ of adain-train holds: checkpoint.safetensors, decoder.safetensors, log.jsonl, samples/,
// samples.png (contents, styles, results: one column per pair), curves.png.
import path from 'node:path';
import { setNumThreads, useBackend, type BackendName } from '../backend.js';
import { Tensor } from '../tensor.js';
import { centerCropSquare, encodeImage, makeGrid, mimeForFileName, resizeImage, resizeLongestSide } from '../io/image.js';
import { plotPng } from '../io/plot.js';
import { checkFiniteWeights } from '../style/transfer.js';
import type { VGG } from '../style/vgg.js';
import { AdainDecoder, AdainStylizer, AdainTrainer, defaultAdainLayer, type AdainTrainConfig } from '../fast/adain.js';
import { loadVgg } from '../node/weights.js';
import { loadContentImages, readImageFile } from '../node/fast_train.js';
import { loadStateDict, readSafetensorsFile, saveStateDict, writeFileAtomic } from '../node/files.js';
import { checkSameSettings, readLog, resumeRun, runTrainingLoop, type RunOptions } from '../node/train_loop.js';
import { registerNodeWasm } from '../node/wasm.js';

export const ADAIN_DECODER_FORMAT = 'ganstyle-adain-decoder/1';

interface AdainRunSettings {
  data: string;
  styleData: string;
  weights: string;
  imageSize: number;
}

export type AdainTrainOptions = Partial<AdainRunSettings> & Partial<AdainTrainConfig> & RunOptions;

async function vggFrom(weights: string): Promise<VGG> {
  const vgg = await loadVgg(weights);
  checkFiniteWeights(vgg, weights);
  return vgg;
}

/** Up to 4 (content, style) pairs, centre-cropped to size²: contents, styles and results as three rows. */
function samplePairs(content: readonly Tensor[], styles: readonly Tensor[], size: number): { c: Tensor[]; s: Tensor[] } {
  const sq = (t: Tensor) => resizeImage(centerCropSquare(t), size, size);
  const c = content.slice(0, 4).map(sq);
  return { c, s: c.map((_, i) => sq(styles[i % styles.length])) };
}

async function writeSamples(file: string, trainer: AdainTrainer, pairs: { c: Tensor[]; s: Tensor[] }): Promise<void> {
  const st = trainer.stylizer();
  const out = pairs.c.map((c, i) => st.stylize(c, [pairs.s[i]]));
  const all = [...pairs.c, ...pairs.s, ...out];
  const data = new Float32Array(all.reduce((n, t) => n + t.size, 0));
  all.forEach((t, i) => data.set(t.data, i * t.size));
  const grid = makeGrid(new Tensor(data, [all.length, ...all[0].shape.slice(1)]), { nrow: pairs.c.length, padding: 2, pad: 255 });
  writeFileAtomic(file, await encodeImage(grid, { range: [0, 255] }));
}

export async function adainTrain(opts: AdainTrainOptions): Promise<{ trainer: AdainTrainer; stepsPerSecond: number; last: Record<string, number> | null }> {
  registerNodeWasm();
  useBackend(opts.backend ?? 'wasm');
  setNumThreads(opts.threads ?? 1);
  const resumed = resumeRun<AdainTrainConfig, AdainRunSettings>(opts.out, opts.resume);
  let s: AdainRunSettings;
  if (resumed !== null) {
    checkSameSettings(opts, resumed.state.config, ['layer', 'crop', 'batchSize', 'lr', 'styleWeight', 'seed']);
    checkSameSettings(opts, resumed.run, ['data', 'styleData', 'weights', 'imageSize']);
    s = resumed.run;
  } else {
    for (const [k, flag] of [['data', '--data'], ['styleData', '--style-data'], ['weights', '--weights']] as const) {
      if (opts[k] === undefined) throw new Error(`fast adain-train: ${flag} is required`);
    }
    s = { data: opts.data!, styleData: opts.styleData!, weights: opts.weights!, imageSize: opts.imageSize ?? Math.round(1.25 * (opts.crop ?? 128)) };
  }
  const vgg = await vggFrom(s.weights);
  const content = (await loadContentImages(s.data, s.imageSize, 'content')).images;
  const styles = (await loadContentImages(s.styleData, s.imageSize, 'style')).images;
  const trainer = resumed !== null
    ? AdainTrainer.fromState(resumed.state, vgg, content, styles)
    : new AdainTrainer({ layer: opts.layer ?? defaultAdainLayer(vgg), crop: opts.crop, batchSize: opts.batchSize, lr: opts.lr, styleWeight: opts.styleWeight, seed: opts.seed }, vgg, content, styles);
  const pairs = samplePairs(content, styles, 2 * trainer.config.crop);
  const { seconds, steps, last } = await runTrainingLoop(trainer, {
    out: opts.out, steps: opts.steps, minutes: opts.minutes, resumed: resumed !== null, quiet: opts.quiet,
    sampleEvery: opts.sampleEvery ?? 50, logEvery: opts.logEvery ?? 1, meta: { run: JSON.stringify(s) },
    fields: ['total', 'content', 'style'],
    writeSample: (file) => writeSamples(file, trainer, pairs),
  });
  const log = readLog(opts.out), x = log.map((l) => l.step), w = trainer.config.styleWeight;
  writeFileAtomic(path.join(opts.out, 'curves.png'), await plotPng({
    title: 'AdaIN decoder loss (training batches)', xLabel: 'step', width: 800, height: 400, logY: true,
    series: [{ name: 'total', x, y: log.map((l) => l.total) }, { name: 'content', x, y: log.map((l) => l.content) }, { name: `style x ${w}`, x, y: log.map((l) => l.style * w) }],
  }));
  saveStateDict(path.join(opts.out, 'decoder.safetensors'), trainer.decoder, { format: ADAIN_DECODER_FORMAT, layer: trainer.config.layer, step: String(trainer.step) });
  return { trainer, stepsPerSecond: steps / seconds, last };
}

export interface AdainStylizeOptions {
  decoder: string;
  weights: string;
  out: string;
  alpha?: number;
  styleWeights?: number[];
  preserveColor?: boolean;
  /** Longest side of the content (and style) images; default: as they are. */
  size?: number;
  backend?: BackendName;
  threads?: number;
}

export async function adainStylize(contentFile: string, styleFiles: string[], opts: AdainStylizeOptions): Promise<{ seconds: number }> {
  registerNodeWasm();
  useBackend(opts.backend ?? 'wasm');
  setNumThreads(opts.threads ?? 1);
  const mime = mimeForFileName(opts.out);
  if (mime === undefined) throw new Error(`${opts.out}: the output must end in .png, .jpg or .jpeg`);
  const { metadata } = readSafetensorsFile(opts.decoder);
  if (metadata.format !== ADAIN_DECODER_FORMAT || metadata.layer === undefined) {
    throw new Error(`${opts.decoder}: not an AdaIN decoder (metadata format ${JSON.stringify(metadata.format)}, expected "${ADAIN_DECODER_FORMAT}"; write one with fast adain-train)`);
  }
  const decoder = new AdainDecoder(metadata.layer);
  decoder.loadStateDict(loadStateDict(opts.decoder));
  const vgg = await vggFrom(opts.weights);
  const st = new AdainStylizer(vgg, decoder);
  const sized = (t: Tensor) => (opts.size === undefined ? t : resizeLongestSide(t, opts.size));
  const content = sized(await readImageFile(contentFile, 'content'));
  const styles = await Promise.all(styleFiles.map(async (f) => sized(await readImageFile(f, 'style'))));
  const t0 = performance.now();
  const y = st.stylize(content, styles, { alpha: opts.alpha, weights: opts.styleWeights, preserveColor: opts.preserveColor });
  const seconds = (performance.now() - t0) / 1000;
  writeFileAtomic(opts.out, await encodeImage(y, { range: [0, 255], mime }));
  return { seconds };
}
