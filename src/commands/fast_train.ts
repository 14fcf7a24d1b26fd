// `ganstyle fast train --style STYLE.jpg --data DIR`: the Node side of feed-forward style network
// training — files in (content folder, style image, VGG weights), a progress bar, a JSON-lines log,
// sample grids every N steps, a loss-curve image, atomic checkpoints that `--resume` continues
// exactly, and the trained network as a state dict `fast stylize --model` reads.
// OUT/ holds: checkpoint.safetensors, model.safetensors, log.jsonl, samples/step-NNNNNN.png,
// samples.png (the last grid), curves.png.
import path from 'node:path';
import { setNumThreads, useBackend } from '../backend.js';
import { Tensor } from '../tensor.js';
import { centerCropSquare, encodeImage, makeGrid, resizeImage } from '../io/image.js';
import { plotPng } from '../io/plot.js';
import { parseLayers } from '../style/losses.js';
import { checkFiniteWeights } from '../style/transfer.js';
import { defaultFastLayers, PerceptualLoss } from '../fast/perceptual.js';
import { FastTrainer, fastTrainConfig, type FastTrainConfig } from '../fast/train.js';
import { loadVgg } from '../node/weights.js';
import { loadContentImages, readImageFile } from '../node/fast_train.js';
import { saveStateDict, writeFileAtomic } from '../node/files.js';
import { registerNodeWasm } from '../node/wasm.js';
import { checkSameSettings, readLog, resumeRun, runTrainingLoop, type LogLine, type RunOptions } from '../node/train_loop.js';

/** What the loss and the data of a run are; stored in the checkpoint so --resume rebuilds them. */
export interface FastRunSettings {
  style: string;
  data: string;
  weights: string;
  /** Longest side of the style image fed to the VGG. */
  styleSize: number;
  /** Content images are resized to this shorter side before cropping. */
  imageSize: number;
  contentWeight: number;
  styleWeight: number;
  tvWeight: number;
  /** Layer lists ("relu2_2" or "relu1_2:1,relu2_2:0.5"); empty = Johnson's layers the weights hold. */
  contentLayers: string;
  styleLayers: string;
}

export interface FastTrainOptions extends Partial<FastRunSettings>, Partial<FastTrainConfig>, RunOptions {
  /** Side of the sample images (default 2 × crop). */
  sampleSize?: number;
}

export const FAST_NET_FORMAT = 'ganstyle-fast-net/1';
/**
 * Loss weights. With the Caffe-convention VGG (0–255 inputs) and Gram matrices divided by C·H·W,
 * style 0.3 : content 1 gave visible style with recognisable content in 80-step runs at 128²
 * (docs/fast-style-training.md); 1 and 10 lost the content in 40-step trials.
 */
const DEFAULTS = { contentWeight: 1, styleWeight: 0.3, tvWeight: 0 };

const RUN_KEYS: (keyof FastRunSettings)[] = ['style', 'data', 'weights', 'styleSize', 'imageSize', 'contentWeight', 'styleWeight', 'tvWeight', 'contentLayers', 'styleLayers'];

/** The run settings: the checkpoint's when resuming (an option that differs is an error), else the options with defaults. */
function runSettings(opts: FastTrainOptions, config: FastTrainConfig, stored?: FastRunSettings): FastRunSettings {
  if (stored !== undefined) {
    checkSameSettings(opts, stored, RUN_KEYS);
    return stored;
  }
  for (const k of ['style', 'data', 'weights'] as const) {
    if (opts[k] === undefined) throw new Error(`fast train: --${k} is required${k === 'weights' ? ' (VGG weights, e.g. ../shared/models/vgg19-features-conv1_1-conv3_4.safetensors)' : ''}`);
  }
  return {
    style: opts.style!, data: opts.data!, weights: opts.weights!,
    styleSize: opts.styleSize ?? 2 * config.crop,
    imageSize: opts.imageSize ?? Math.round(1.25 * config.crop),
    contentWeight: opts.contentWeight ?? DEFAULTS.contentWeight,
    styleWeight: opts.styleWeight ?? DEFAULTS.styleWeight,
    tvWeight: opts.tvWeight ?? DEFAULTS.tvWeight,
    contentLayers: opts.contentLayers ?? '',
    styleLayers: opts.styleLayers ?? '',
  };
}

/** The first (up to) 4 content images, centre-cropped to size × size: the fixed inputs of every sample grid. */
function sampleInputs(images: readonly Tensor[], size: number): Tensor {
  const picked = images.slice(0, 4).map((im) => resizeImage(centerCropSquare(im), size, size));
  const out = new Float32Array(picked.length * 3 * size * size);
  picked.forEach((p, i) => out.set(p.data, i * p.size));
  return new Tensor(out, [picked.length, 3, size, size]);
}

/** Contents on the first row, the network's outputs below. */
async function writeSamples(file: string, trainer: FastTrainer, inputs: Tensor): Promise<void> {
  trainer.net.eval();
  const y = trainer.stylize(inputs);
  trainer.net.train();
  const both = new Float32Array(2 * inputs.size);
  both.set(inputs.data);
  both.set(y.data, inputs.size);
  const grid = makeGrid(new Tensor(both, [2 * inputs.shape[0], ...inputs.shape.slice(1)]), { nrow: inputs.shape[0], padding: 2, pad: 255 });
  writeFileAtomic(file, await encodeImage(grid, { range: [0, 255] }));
}

async function writeCurves(file: string, log: LogLine[], s: FastRunSettings): Promise<void> {
  const x = log.map((l) => l.step);
  const series = [
    { name: 'total', x, y: log.map((l) => l.total) },
    { name: `content x ${s.contentWeight}`, x, y: log.map((l) => l.content * s.contentWeight) },
    { name: `style x ${s.styleWeight}`, x, y: log.map((l) => l.style * s.styleWeight) },
    ...(s.tvWeight > 0 ? [{ name: `tv x ${s.tvWeight}`, x, y: log.map((l) => l.tv * s.tvWeight) }] : []),
  ];
  writeFileAtomic(file, await plotPng({ title: 'perceptual loss (training batches)', xLabel: 'step', width: 800, height: 400, logY: true, series }));
}

export async function fastTrain(opts: FastTrainOptions): Promise<{ trainer: FastTrainer; stepsPerSecond: number; last: LogLine | null; settings: FastRunSettings }> {
  registerNodeWasm();
  useBackend(opts.backend ?? 'wasm');
  setNumThreads(opts.threads ?? 1);
  const resumed = resumeRun<FastTrainConfig, FastRunSettings>(opts.out, opts.resume);
  const config = resumed?.state.config ?? fastTrainConfig({ arch: opts.arch, crop: opts.crop, batchSize: opts.batchSize, lr: opts.lr, seed: opts.seed });
  if (resumed !== null) checkSameSettings(opts, config, ['arch', 'crop', 'batchSize', 'lr', 'seed']);
  const s = runSettings(opts, config, resumed?.run);
  if (s.imageSize < config.crop) throw new RangeError(`--image-size ${s.imageSize} is smaller than the ${config.crop}×${config.crop} crops`);

  const style = await readImageFile(s.style, 'style', s.styleSize);
  const { images } = await loadContentImages(s.data, s.imageSize);
  const vgg = await loadVgg(s.weights);
  checkFiniteWeights(vgg, s.weights);
  const layers = defaultFastLayers(vgg);
  const loss = new PerceptualLoss(vgg, style, {
    contentLayers: parseLayers(s.contentLayers || layers.content, '--content-layers'),
    styleLayers: parseLayers(s.styleLayers || layers.style, '--style-layers'),
    weights: { content: s.contentWeight, style: s.styleWeight, tv: s.tvWeight },
  });
  const trainer = resumed !== null ? FastTrainer.fromState(resumed.state, images, loss) : new FastTrainer(config, images, loss);

  const inputs = sampleInputs(images, opts.sampleSize ?? 2 * config.crop);
  const { seconds, steps, last } = await runTrainingLoop(trainer, {
    out: opts.out, steps: opts.steps, minutes: opts.minutes, resumed: resumed !== null, quiet: opts.quiet,
    sampleEvery: opts.sampleEvery ?? 50, logEvery: opts.logEvery ?? 1, meta: { run: JSON.stringify(s) },
    fields: ['total', 'content', 'style', 'tv'],
    writeSample: (file) => writeSamples(file, trainer, inputs),
  });
  await writeCurves(path.join(opts.out, 'curves.png'), readLog(opts.out), s);
  saveStateDict(path.join(opts.out, 'model.safetensors'), trainer.net, { format: FAST_NET_FORMAT, arch: config.arch, step: String(trainer.step), style: path.basename(s.style) });
  return { trainer, stepsPerSecond: steps / seconds, last, settings: s };
}

