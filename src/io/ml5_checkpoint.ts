// deeplearn.js / ml5 checkpoints (the format of ml5's StyleTransfer models): a folder with
//   manifest.json   { "<variable>": { "filename": "<file>", "shape": [..] }, … }
//   <file>          raw little-endian float32 values, C order, no header (4·Π shape bytes)
// Engstrom's fast-style-transfer transform net (as shipped by ml5) stores its 48 variables as
// Variable, Variable_1 … Variable_47; engstromNames() gives them the descriptive names used by the
// `fast-style-*.safetensors` conversions (conv1.kernel, conv1.shift, conv1.scale, …).
import { Tensor } from '../tensor.js';
import { fmt, sizeOf } from '../shape.js';
import { FormatError, LITTLE_ENDIAN } from './safetensors.js';

export interface Ml5Checkpoint {
  /** Every variable by its manifest name, in manifest order. */
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/**
 * Reads an ml5 checkpoint: `readFile(filename)` returns a variable file's bytes, or undefined
 * when it does not exist (an error naming the file: every variable is needed).
 */
export function loadMl5Checkpoint(manifestJson: string | unknown, readFile: (filename: string) => Uint8Array | undefined, file = 'manifest.json'): Ml5Checkpoint {
  const bad = (problem: string): never => {
    throw new FormatError(file, problem);
  };
  let manifest: unknown = manifestJson;
  if (typeof manifestJson === 'string') {
    try {
      manifest = JSON.parse(manifestJson);
    } catch (e) {
      bad(`not valid JSON (${(e as Error).message})`);
    }
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) bad('not a JSON object of variables');
  const tensors = new Map<string, Tensor>();
  for (const [name, entry] of Object.entries(manifest as Record<string, unknown>)) {
    const { filename, shape } = (entry ?? {}) as Record<string, unknown>;
    if (typeof filename !== 'string' || filename === '' || filename.split(/[\\/]/).includes('..') || filename.startsWith('/')) {
      bad(`variable '${name}': 'filename' ${JSON.stringify(filename)} is not a file name inside the checkpoint folder`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) bad(`variable '${name}': shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    const bytes = readFile(filename as string);
    if (bytes === undefined) bad(`variable '${name}': its file '${filename}' is missing`);
    const n = sizeOf(shape as number[]);
    if (bytes!.length !== 4 * n) bad(`variable '${name}': file '${filename}' holds ${bytes!.length} bytes but shape ${fmt(shape as number[])} of float32 needs ${4 * n}`);
    const data = new Float32Array(n);
    const view = new DataView(bytes!.buffer, bytes!.byteOffset, bytes!.byteLength);
    if (LITTLE_ENDIAN) new Uint8Array(data.buffer).set(bytes!);
    else for (let i = 0; i < n; i++) data[i] = view.getFloat32(4 * i, true);
    tensors.set(name, new Tensor(data, shape as number[]));
  }
  // deeplearn.js writes the manifest sorted as strings (Variable, Variable_1, Variable_10, …): keep
  // numeric order so tensors come out as the graph uses them.
  const sorted = [...tensors].sort(([a], [b]) => variableIndex(a) - variableIndex(b) || (a < b ? -1 : a > b ? 1 : 0));
  return { tensors: new Map(sorted), metadata: { format: 'ml5-checkpoint' } };
}

/** Variable → 0, Variable_12 → 12, anything else → Infinity (sorted last, by name). */
function variableIndex(name: string): number {
  const m = /^Variable(?:_(\d+))?$/.exec(name);
  return m === null ? Infinity : m[1] === undefined ? 0 : Number(m[1]);
}

/** The descriptive names of Engstrom's transform net variables, in Variable_k order (48 names). */
export const ENGSTROM_VARIABLE_NAMES: readonly string[] = (() => {
  const blocks = ['conv1', 'conv2', 'conv3'];
  for (let r = 1; r <= 5; r++) blocks.push(`res${r}.conv_a`, `res${r}.conv_b`);
  blocks.push('deconv1', 'deconv2', 'conv_out');
  return blocks.flatMap((b) => [`${b}.kernel`, `${b}.shift`, `${b}.scale`]);
})();

/** Renames Variable … Variable_47 of an Engstrom checkpoint to conv1.kernel … conv_out.scale. */
export function engstromNames(tensors: Map<string, Tensor>, file = 'manifest.json'): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [k, name] of ENGSTROM_VARIABLE_NAMES.entries()) {
    const v = k === 0 ? 'Variable' : `Variable_${k}`;
    const t = tensors.get(v);
    if (t === undefined) throw new FormatError(file, `variable '${v}' (${name}) is missing: not an Engstrom fast-style checkpoint`);
    out.set(name, t);
  }
  if (tensors.size !== ENGSTROM_VARIABLE_NAMES.length) {
    throw new FormatError(file, `${tensors.size} variables, but Engstrom's transform net has ${ENGSTROM_VARIABLE_NAMES.length}`);
  }
  return out;
}
