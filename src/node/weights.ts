// Node adapter for weight files of every supported format, recognised by content (not extension):
//   safetensors        file: u64 LE header length + JSON header          (src/io/safetensors.ts)
//   pth                file: zip written by torch.save                   (src/io/pth.ts)
//   keras-h5           file: HDF5 (\x89HDF), Keras save_weights layout   (src/io/keras_h5.ts)
//   npy                file: \x93NUMPY                                   (src/io/npy.ts)
//   tfjs-layers        folder with model.json (or the model.json itself) + shard files
//   ml5-checkpoint     folder with manifest.json (or the manifest itself) + raw float32 files
// The result is named tensors + string metadata (+ the TF.js groups that were absent); every
// error names the file and the problem.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Tensor } from '../tensor.js';
import { FormatError, parseSafetensors } from '../io/safetensors.js';
import { parseNpy } from '../io/npy.js';
import { looksLikePth, parsePth } from '../io/pth.js';
import { hdf5SuperblockOffset, parseKerasH5 } from '../io/keras_h5.js';
import { loadTfjsWeights } from '../io/tfjs_layers.js';
import { loadMl5Checkpoint } from '../io/ml5_checkpoint.js';
import { VGG, type VggArch, type VggPooling, type VggPreprocessing } from '../style/vgg.js';
import { readFileBytes } from './files.js';

export type WeightFormat = 'safetensors' | 'pth' | 'keras-h5' | 'npy' | 'tfjs-layers' | 'ml5-checkpoint';

export interface LoadedWeights {
  /** The file (or folder) read. */
  file: string;
  format: WeightFormat;
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
  /** Weights named in the manifest whose files are absent (TF.js groups); empty otherwise. */
  missing: string[];
}

/** The single-file format of some bytes, or undefined. */
export function sniffWeightsFormat(bytes: Uint8Array): Exclude<WeightFormat, 'tfjs-layers' | 'ml5-checkpoint'> | undefined {
  if (looksLikePth(bytes)) return 'pth';
  if (hdf5SuperblockOffset(bytes) >= 0) return 'keras-h5';
  if (bytes.length >= 6 && bytes[0] === 0x93 && String.fromCharCode(...bytes.subarray(1, 6)) === 'NUMPY') return 'npy';
  if (bytes.length >= 9) {
    const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
    if (n > 0n && n <= BigInt(bytes.length - 8) && bytes[8] === 0x7b /* { */) return 'safetensors';
  }
  return undefined;
}

/** Reads a file relative to a folder; undefined when it does not exist. */
function fileReader(dir: string): (name: string) => Uint8Array | undefined {
  return (name) => {
    const p = path.join(dir, name);
    return existsSync(p) && statSync(p).isFile() ? readFileBytes(p) : undefined;
  };
}

/**
 * Reads weights from a file or folder of any supported format.
 * @example
 *   const w = await readWeights('../shared/models/vgg19-keras-tfjs-partial');
 *   w.format; // 'tfjs-layers'; w.missing lists the absent groups' weights
 */
export async function readWeights(p: string): Promise<LoadedWeights> {
  if (!existsSync(p)) throw new Error(`${p}: no such file or folder`);
  let target = p;
  if (statSync(p).isDirectory()) {
    const found = ['model.json', 'manifest.json'].map((n) => path.join(p, n)).find((f) => existsSync(f));
    if (found === undefined) throw new FormatError(p, 'folder holds neither model.json (TF.js) nor manifest.json (ml5 checkpoint)');
    target = found;
  }
  const base = path.basename(target);
  if (base === 'model.json' || base === 'manifest.json' || target.endsWith('.json')) {
    const text = new TextDecoder().decode(readFileBytes(target));
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new FormatError(target, `not valid JSON (${(e as Error).message})`);
    }
    const dir = path.dirname(target);
    if (typeof json === 'object' && json !== null && 'weightsManifest' in json) {
      const r = loadTfjsWeights(json, fileReader(dir), target);
      return { file: target, format: 'tfjs-layers', tensors: r.tensors, metadata: r.metadata, missing: r.missingGroups.flatMap((g) => g.weights) };
    }
    const r = loadMl5Checkpoint(json, fileReader(dir), target);
    return { file: target, format: 'ml5-checkpoint', tensors: r.tensors, metadata: r.metadata, missing: [] };
  }
  const bytes = readFileBytes(target);
  const format = sniffWeightsFormat(bytes);
  switch (format) {
    case 'pth': {
      const r = parsePth(bytes, target);
      return { file: target, format, tensors: r.tensors, metadata: r.metadata, missing: [] };
    }
    case 'keras-h5': {
      const r = await parseKerasH5(bytes, target);
      return { file: target, format, tensors: r.tensors, metadata: r.metadata, missing: [] };
    }
    case 'npy':
      return { file: target, format, tensors: new Map([[path.basename(target).replace(/\.npy$/i, ''), parseNpy(bytes, target)]]), metadata: {}, missing: [] };
    case 'safetensors': {
      const r = parseSafetensors(bytes, target);
      return { file: target, format, tensors: r.tensors, metadata: r.metadata, missing: [] };
    }
    default:
      throw new FormatError(target, `unknown weights format (not safetensors, a torch.save zip, Keras HDF5, .npy, TF.js model.json or an ml5 manifest.json); first bytes ${[...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`);
  }
}

/**
 * A frozen VGG feature extractor from a weights file or folder of any format.
 * @example
 *   const vgg = await loadVgg('../shared/models/vgg19-features-conv1_1-conv3_4.safetensors', { pooling: 'avg' });
 *   const feats = vgg.extract(image255, vgg.defaultLayers().style);
 */
export async function loadVgg(p: string, opts: { arch?: VggArch; pooling?: VggPooling; preprocessing?: VggPreprocessing } = {}): Promise<VGG> {
  const w = await readWeights(p);
  return VGG.fromWeights(w, opts);
}

