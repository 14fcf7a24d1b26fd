// `ganstyle fast stylize --model FILE IN… -o OUT`: the Node side of feed-forward style transfer.
// IN = image files and/or folders (their images, subfolders included). OUT is the result file when
// there is a single input file, else a folder (inputs keep their names; a folder input keeps its
// subfolders). Images of one size are stylised together (batches of --batch); an image with a
// side over --tile-size runs alone, tiled with exact global instance-norm statistics.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { setNumThreads, useBackend, type BackendName } from '../backend.js';
import type { Tensor } from '../tensor.js';
import { F } from '../ops/index.js';
import { decodeImage, encodeImage, mimeForFileName } from '../io/image.js';
import { fastNetFromWeights, type FastArch } from '../fast/load.js';
import { stylize } from '../fast/tiled.js';
import { readWeights } from '../node/weights.js';
import { readFileBytes, writeFileAtomic } from '../node/files.js';
import { listImages } from '../node/image_folder.js';
import { registerNodeWasm } from '../node/wasm.js';

export interface FastStylizeOptions {
  /** Model file or folder: fast_neural_style .pth, fast-style-*.safetensors, ml5 checkpoint folder. */
  model: string;
  out: string;
  /** Images of equal size per forward pass (default 4). */
  batch?: number;
  /** Tile images with a side longer than this (input pixels); 0 = never (default 1024). */
  tileSize?: number;
  threads?: number;
  backend?: BackendName;
  /** JPEG quality (default 92). */
  quality?: number;
}

export interface FastStylizeResult {
  arch: FastArch;
  /** [input, output] per image, in input order. */
  written: [string, string][];
  seconds: number;
  /** Megapixels stylised. */
  megapixels: number;
}

interface Job {
  input: string;
  output: string;
}

/** Input files → output paths (OUT a file for one input file, else a folder). */
export function planOutputs(inputs: string[], out: string): Job[] {
  if (inputs.length === 0) throw new Error('fast stylize: no input images given');
  const single = inputs.length === 1 && existsSync(inputs[0]) && statSync(inputs[0]).isFile();
  const outIsDir = existsSync(out) && statSync(out).isDirectory();
  if (single && !outIsDir) {
    if (mimeForFileName(out) === undefined) throw new Error(`${out}: the output must end in .png, .jpg or .jpeg (or be an existing folder)`);
    return [{ input: inputs[0], output: out }];
  }
  if (existsSync(out) && !outIsDir) throw new Error(`${out}: exists and is not a folder (several inputs need an output folder)`);
  const jobs: Job[] = [];
  const seen = new Map<string, string>();
  const add = (input: string, rel: string): void => {
    // PNG and JPEG keep their type; other inputs (BMP, GIF, TIFF) are written as PNG.
    const name = mimeForFileName(rel) === undefined ? `${rel.slice(0, rel.length - path.extname(rel).length)}.png` : rel;
    const output = path.join(out, name);
    const other = seen.get(output);
    if (other !== undefined) throw new Error(`fast stylize: ${other} and ${input} would both be written to ${output}`);
    seen.set(output, input);
    jobs.push({ input, output });
  };
  for (const p of inputs) {
    if (!existsSync(p)) throw new Error(`${p}: no such image file or folder`);
    if (statSync(p).isDirectory()) {
      const files = listImages(p);
      if (files.length === 0) throw new Error(`${p}: folder holds no images (.png, .jpg, .jpeg, .bmp, .gif, .tif)`);
      for (const f of files) add(f, path.relative(p, f));
    } else add(p, path.basename(p));
  }
  return jobs;
}

/** Loads the model (any supported layout) and stylises every input; notes go to `note`. */
export async function fastStylizeCommand(inputs: string[], opts: FastStylizeOptions, note: (line: string) => void = () => {}): Promise<FastStylizeResult> {
  const batch = opts.batch ?? 4, tileSize = opts.tileSize ?? 1024;
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`fast stylize: --batch must be an integer ≥ 1, got ${batch}`);
  if (!Number.isInteger(tileSize) || tileSize < 0) throw new RangeError(`fast stylize: --tile-size must be an integer ≥ 0, got ${tileSize}`);
  registerNodeWasm();
  useBackend(opts.backend ?? 'wasm');
  setNumThreads(opts.threads ?? 1);
  const jobs = planOutputs(inputs, opts.out);
  const { arch, net } = fastNetFromWeights(await readWeights(opts.model));
  const archName = { johnson: "Johnson's TransformerNet (fast_neural_style)", engstrom: "Engstrom's network", mobile: 'the light mobile network' }[arch];
  note(`${opts.model}: ${archName}, ${jobs.length} image${jobs.length > 1 ? 's' : ''}`);

  const t0 = performance.now();
  const written: [string, string][] = [];
  let megapixels = 0, done = 0;
  // Decoded images waiting for a full batch, by size (at most batch − 1 per size).
  const pending = new Map<string, { job: Job; image: Tensor }[]>();
  const run = async (group: { job: Job; image: Tensor }[]): Promise<void> => {
    const [, , h, w] = group[0].image.shape;
    const tiled = tileSize > 0 && (h > tileSize || w > tileSize);
    const x = group.map((g) => g.image).reduce((a, b) => F.cat(a, b, { dim: 0 }));
    const t = performance.now();
    const y = stylize(net, x, {
      tileSize,
      onProgress: (p) => {
        if (p.tile === p.tiles) note(`  ${group[0].job.input}: tiled pass ${p.pass}/${p.passes} (${p.tiles} tiles) done`);
      },
    });
    for (let i = 0; i < group.length; i++) {
      const { job } = group[i];
      const img = group.length === 1 ? y : F.narrow(y, { dim: 0, start: i, length: 1 });
      mkdirSync(path.dirname(path.resolve(job.output)), { recursive: true });
      writeFileAtomic(job.output, await encodeImage(img, { range: [0, 255], mime: mimeForFileName(job.output)!, quality: opts.quality }));
      written.push([job.input, job.output]);
    }
    done += group.length;
    megapixels += (group.length * h * w) / 1e6;
    note(`[${done}/${jobs.length}] ${group.length} image${group.length > 1 ? 's' : ''} ${w}×${h}${tiled ? ' (tiled)' : ''}: ${(performance.now() - t).toFixed(0)} ms → ${group.map((g) => g.job.output).join(', ')}`);
  };
  for (const job of jobs) {
    const image = await decodeImage(readFileBytes(job.input), job.input);
    const [, , h, w] = image.shape;
    const key = `${h}x${w}`;
    const group = [...(pending.get(key) ?? []), { job, image }];
    const full = group.length >= batch || (tileSize > 0 && (h > tileSize || w > tileSize));
    if (full) {
      pending.delete(key);
      await run(group);
    } else pending.set(key, group);
  }
  for (const group of pending.values()) await run(group);
  const order = new Map(jobs.map((j, i) => [j.input, i]));
  written.sort((a, b) => order.get(a[0])! - order.get(b[0])!);
  return { arch, written, seconds: (performance.now() - t0) / 1000, megapixels };
}
