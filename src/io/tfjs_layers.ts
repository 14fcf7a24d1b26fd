// TF.js models (`model.json` + binary shards), as tensorflowjs_converter writes them for Keras
// (layers models) and graph models. Only the weights are read:
//   model.json  { modelTopology, weightsManifest: [{ paths: [shard, …], weights: [{name, shape,
//                 dtype, quantization?}, …] }, …] }
// A group's shards are concatenated in order; its weights follow one another with no padding,
// little-endian, in manifest order. Quantized weights are dequantized (uint8/uint16: v·scale + min;
// float16: IEEE half). Kernels stay as TF stores them (Conv2D HWIO; see keras_h5.hwioToOihw).
// Absent groups are tolerated: a group none of whose shards can be read is reported in
// `missingGroups` and skipped; a group with only some of its shards is an error naming the shard.
import { Tensor } from '../tensor.js';
import { sizeOf } from '../shape.js';
import { FormatError, halfToFloat, LITTLE_ENDIAN } from './safetensors.js';

export interface TfjsWeightEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}

export interface TfjsWeightGroup {
  paths: string[];
  weights: TfjsWeightEntry[];
}

export interface TfjsMissingGroup {
  /** Position of the group in weightsManifest (0-based). */
  group: number;
  paths: string[];
  weights: string[];
}

export interface TfjsWeights {
  /** Every weight of every group that is present, by its TF name (`block1_conv1/kernel`). */
  tensors: Map<string, Tensor>;
  /** format / generatedBy / convertedBy and the Keras version of modelTopology, when given. */
  metadata: Record<string, string>;
  /** The groups that were skipped because none of their shard files exists. */
  missingGroups: TfjsMissingGroup[];
  /** The model topology as stored (Keras model config for layers models). */
  topology: unknown;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** Parses and checks the manifest of a model.json (text or already-parsed JSON). */
export function parseTfjsManifest(modelJson: string | unknown, file = 'model.json'): { groups: TfjsWeightGroup[]; json: Record<string, unknown> } {
  const bad = (problem: string): never => {
    throw new FormatError(file, problem);
  };
  let json: unknown = modelJson;
  if (typeof modelJson === 'string') {
    try {
      json = JSON.parse(modelJson);
    } catch (e) {
      bad(`not valid JSON (${(e as Error).message})`);
    }
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) bad('not a JSON object');
  const manifest = (json as Record<string, unknown>).weightsManifest;
  if (!Array.isArray(manifest)) bad("no 'weightsManifest' list: not a TF.js model.json");
  const groups = (manifest as unknown[]).map((g, gi): TfjsWeightGroup => {
    const where = `weightsManifest[${gi}]`;
    const { paths, weights } = (g ?? {}) as Record<string, unknown>;
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string' && p !== '')) bad(`${where}.paths is not a list of file names`);
    if (!Array.isArray(weights)) bad(`${where}.weights is not a list`);
    for (const p of paths as string[]) if (p.split(/[\\/]/).includes('..') || p.startsWith('/')) bad(`${where}: shard path '${p}' leaves the model folder`);
    for (const [wi, w] of (weights as TfjsWeightEntry[]).entries()) {
      const at = `${where}.weights[${wi}]`;
      if (typeof w?.name !== 'string') bad(`${at}: no name`);
      if (!Array.isArray(w.shape) || !w.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) bad(`${at} '${w.name}': shape ${JSON.stringify(w.shape)} is not a list of non-negative integers`);
      const dt = w.quantization?.dtype ?? w.dtype;
      if (!(dt in BYTES)) bad(`${at} '${w.name}': unsupported dtype '${dt}' (supported: ${Object.keys(BYTES).join(', ')})`);
    }
    return { paths: paths as string[], weights: weights as TfjsWeightEntry[] };
  });
  return { groups, json: json as Record<string, unknown> };
}

/**
 * Reads the weights of a TF.js model: `readShard(path)` returns a shard's bytes, or undefined if
 * the file does not exist.
 * @example
 *   const { tensors, missingGroups } = loadTfjsWeights(json, (p) => files.get(p));
 */
export function loadTfjsWeights(modelJson: string | unknown, readShard: (path: string) => Uint8Array | undefined, file = 'model.json'): TfjsWeights {
  const bad = (problem: string): never => {
    throw new FormatError(file, problem);
  };
  const { groups, json } = parseTfjsManifest(modelJson, file);
  const tensors = new Map<string, Tensor>();
  const missingGroups: TfjsMissingGroup[] = [];
  for (const [gi, g] of groups.entries()) {
    const shards = g.paths.map((p) => readShard(p));
    const absent = g.paths.filter((_, i) => shards[i] === undefined);
    if (absent.length === g.paths.length && g.paths.length > 0) {
      missingGroups.push({ group: gi, paths: g.paths, weights: g.weights.map((w) => w.name) });
      continue;
    }
    if (absent.length > 0) {
      bad(`group ${gi + 1} (${g.weights.map((w) => w.name).join(', ')}): missing shard file ${absent.map((p) => `'${p}'`).join(', ')} while ${g.paths.length - absent.length} other shard(s) of the group exist`);
    }
    const total = shards.reduce((n, s) => n + s!.length, 0);
    const buf = new Uint8Array(total);
    let pos = 0;
    for (const s of shards) {
      buf.set(s!, pos);
      pos += s!.length;
    }
    const need = g.weights.reduce((n, w) => n + sizeOf(w.shape) * BYTES[w.quantization?.dtype ?? w.dtype], 0);
    if (need !== total) {
      bad(`group ${gi + 1}: shards ${g.paths.join(', ')} hold ${total} bytes but its weights need ${need}${total < need ? ' (truncated shard?)' : ''}`);
    }
    const view = new DataView(buf.buffer);
    let off = 0;
    for (const w of g.weights) {
      const n = sizeOf(w.shape);
      const q = w.quantization;
      const dt = q?.dtype ?? w.dtype;
      const out = new Float32Array(n);
      if (dt === 'float32' && LITTLE_ENDIAN) new Uint8Array(out.buffer).set(buf.subarray(off, off + 4 * n));
      else for (let i = 0; i < n; i++) {
        switch (dt) {
          case 'float32': out[i] = view.getFloat32(off + 4 * i, true); break;
          case 'int32': out[i] = view.getInt32(off + 4 * i, true); break;
          case 'bool': out[i] = buf[off + i] !== 0 ? 1 : 0; break;
          case 'float16': out[i] = halfToFloat(view.getUint16(off + 2 * i, true)); break;
          case 'uint8': out[i] = buf[off + i]; break;
          case 'uint16': out[i] = view.getUint16(off + 2 * i, true); break;
        }
      }
      if (q !== undefined && (dt === 'uint8' || dt === 'uint16')) {
        if (!Number.isFinite(q.scale) || !Number.isFinite(q.min)) bad(`weight '${w.name}': quantization needs finite scale and min, got ${JSON.stringify(q)}`);
        for (let i = 0; i < n; i++) out[i] = out[i] * q.scale! + q.min!;
      }
      if (tensors.has(w.name)) bad(`weight name '${w.name}' appears twice in the manifest`);
      tensors.set(w.name, new Tensor(out, w.shape));
      off += n * BYTES[dt];
    }
  }
  const metadata: Record<string, string> = {};
  for (const k of ['format', 'generatedBy', 'convertedBy']) if (typeof json[k] === 'string') metadata[k] = json[k] as string;
  const topo = json.modelTopology as Record<string, unknown> | undefined;
  if (typeof topo?.keras_version === 'string') metadata.keras_version = topo.keras_version;
  if (typeof topo?.backend === 'string') metadata.backend = topo.backend;
  if (missingGroups.length > 0) metadata.missing = [...new Set(missingGroups.flatMap((m) => m.weights.map((w) => w.split('/')[0])))].join(', ');
  return { tensors, metadata, missingGroups, topology: json.modelTopology };
}

