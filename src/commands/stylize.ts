// `ganstyle stylize CONTENT STYLE [STYLE…] -o OUT.png`: the Node side of Gatys style transfer —
// files in (images, VGG weights of any format), a progress bar with the loss broken down, a
// JSON-lines log (one line per iteration k = 0…N), intermediate images, the result as PNG or JPEG.
import { existsSync, mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import cliProgress from 'cli-progress';
import { setNumThreads, useBackend, type BackendName } from '../backend.js';
import type { Tensor } from '../tensor.js';
import { decodeImage, encodeImage, mimeForFileName } from '../io/image.js';
import { checkFiniteWeights, stylize, type IterationRecord, type StylizeOptions } from '../style/transfer.js';
import type { VggPooling } from '../style/vgg.js';
import { loadVgg } from '../node/weights.js';
import { readFileBytes, writeFileAtomic } from '../node/files.js';
import { registerNodeWasm } from '../node/wasm.js';

/** Where `ganstyle weights fetch` keeps converted weights: $GANSTYLE_CACHE, else $XDG_CACHE_HOME/ganstyle, else ~/.cache/ganstyle. */
export function cacheDir(): string {
  if (process.env.GANSTYLE_CACHE) return process.env.GANSTYLE_CACHE;
  return path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'ganstyle');
}

/** The converted Keras ImageNet VGG-19 (notop) that stylize uses when --weights is not given. */
export function defaultWeightsPath(): string {
  return path.join(cacheDir(), 'vgg19-imagenet-notop.safetensors');
}

export interface StylizeCommandOptions extends Partial<Omit<StylizeOptions, 'init' | 'onRecord' | 'onUpdate'>> {
  out: string;
  /** 'content', 'noise' or an image file. */
  init?: string;
  weights?: string;
  pooling?: VggPooling;
  log?: string;
  saveEvery?: number;
  threads?: number;
  backend?: BackendName;
  /** JPEG quality of the output and saved images (default 92). */
  quality?: number;
  quiet?: boolean;
}

/**
 * The style chain's `release` hook: V8's full collection (made callable as --expose-gc would) once
 * every `everyBytes` of dropped arrays, so dead activations are freed at once instead of at V8's
 * next collection (≈ 0.4 GB less peak memory at 1024²; ~20 ms per collection).
 */
export function v8Collector(everyBytes = 64 << 20): (bytes: number) => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  let pending = 0;
  return (bytes) => {
    pending += bytes;
    if (pending >= everyBytes) {
      pending = 0;
      gc();
    }
  };
}

async function readImage(file: string, what: string): Promise<Tensor> {
  if (!existsSync(file)) throw new Error(`${file}: no such ${what} image`);
  return decodeImage(readFileBytes(file), file);
}

function outputMime(file: string): 'image/png' | 'image/jpeg' {
  const mime = mimeForFileName(file);
  if (mime === undefined) throw new Error(`${file}: the output must end in .png, .jpg or .jpeg`);
  return mime;
}

/** "out.png" → "out.iter0050.png" (level "L1." inserted with several levels). */
function savedName(out: string, k: number, level?: number): string {
  const ext = path.extname(out);
  return `${out.slice(0, out.length - ext.length)}.${level === undefined ? '' : `L${level}.`}iter${String(k).padStart(4, '0')}${ext}`;
}

const fmtLoss = (v: number) => (Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-2) ? v.toExponential(3) : v.toFixed(2));

export async function stylizeCommand(contentFile: string, styleFiles: string[], opts: StylizeCommandOptions): Promise<{ records: IterationRecord[]; seconds: number }> {
  registerNodeWasm();
  useBackend(opts.backend ?? 'wasm');
  setNumThreads(opts.threads ?? 1);
  const mime = outputMime(opts.out);
  const weights = opts.weights ?? defaultWeightsPath();
  if (opts.weights === undefined && !existsSync(weights)) {
    throw new Error(`no VGG weights: pass --weights PATH (safetensors, torchvision .pth, Keras .h5 or a TF.js model folder, e.g. ../shared/models/vgg19-features-conv1_1-conv3_4.safetensors), or run \`ganstyle weights fetch vgg19\` to cache them in ${weights}`);
  }
  const vgg = await loadVgg(weights, { pooling: opts.pooling });
  checkFiniteWeights(vgg, weights);
  const content = await readImage(contentFile, 'content');
  const styles = await Promise.all(styleFiles.map((f) => readImage(f, 'style')));
  let init: StylizeOptions['init'] = 'content';
  if (opts.init !== undefined && opts.init !== 'content') init = opts.init === 'noise' ? 'noise' : await readImage(opts.init, 'init');

  const iterations = opts.iterations ?? 300;
  const levels = opts.multires ?? 1;
  if (opts.log !== undefined) {
    mkdirSync(path.dirname(path.resolve(opts.log)), { recursive: true });
    writeFileSync(opts.log, '');
  }
  mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
  const bar = new cliProgress.SingleBar({
    format: '{bar} {value}/{total} | {rate} s/it | ETA {eta_formatted} | total {loss} = content {content} + style {style} + tv {tv}{level}',
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 10_000,
    etaBuffer: 20,
  }, cliProgress.Presets.shades_classic);
  const show = !opts.quiet;
  let started = false; // the bar starts with the first record, after every input was checked
  const w = { content: opts.contentWeight ?? 1, style: opts.styleWeight ?? 100, tv: opts.tvWeight ?? 0 };
  let level = 0;
  const t0 = performance.now();
  const encode = (img: Tensor) => encodeImage(img, { range: [0, 255], mime, quality: opts.quality });
  const result = await stylize(vgg, content, styles, {
    ...opts,
    init,
    release: v8Collector(),
    onRecord: (r) => {
      if (r.level !== undefined) level = r.level;
      if (opts.log !== undefined) {
        const { iteration, content, style, tv, total, contentLayers, styleLayers, elapsed, ...rest } = r;
        appendFileSync(opts.log, JSON.stringify({ iteration, content, style, tv, total, content_layers: contentLayers, style_layers: styleLayers, elapsed, ...rest }) + '\n');
      }
      if (show) {
        if (!started) bar.start(iterations * levels, 0, { rate: '-', loss: '-', content: '-', style: '-', tv: '-', level: '' });
        started = true;
        const done = level * iterations + r.iteration;
        bar.update(done, {
          rate: done === 0 ? '-' : ((performance.now() - t0) / 1000 / done).toFixed(2),
          loss: fmtLoss(r.total), content: fmtLoss(w.content * r.content), style: fmtLoss(w.style * r.style), tv: fmtLoss(w.tv * r.tv),
          level: levels > 1 ? ` | level ${level + 1}/${levels} ${r.size![0]}×${r.size![1]}` : '',
        });
      }
    },
    onUpdate: opts.saveEvery === undefined ? undefined : async (k, image) => {
      if (k % opts.saveEvery! === 0 && k < iterations) writeFileAtomic(savedName(opts.out, k, levels > 1 ? level : undefined), await encode(image()));
    },
  }).finally(() => {
    if (started) bar.stop();
  });
  writeFileAtomic(opts.out, await encode(result.image));
  return { records: result.records, seconds: result.seconds };
}
