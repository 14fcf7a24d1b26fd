// Optimizer stateDict() ↔ safetensors bytes, for training checkpoints that resume exactly.
// Every typed array of the state becomes a tensor named `state/<param index>/<key>[/<j>…]`
// (Float32Array → F32, Float64Array → F64, so nothing is rounded); the rest of the dict (param
// groups, step counters, scalars) is JSON in the metadata key `optimizer`, where each array is
// replaced by {"$t": "<tensor name>"} and each non-finite number by {"$n": "Infinity" | "-Infinity" | "NaN"}.
import { FormatError, parseSafetensorsRaw, serializeSafetensors, toFloat32, toFloat64, type TensorEntry } from '../io/safetensors.js';
import type { OptimizerStateDict, StateValue } from './optimizer.js';

export const OPTIM_FORMAT = 'ganstyle-optim/1';

export function serializeOptimizerState(sd: OptimizerStateDict<object>, metadata: Record<string, string> = {}): Uint8Array {
  const tensors = new Map<string, TensorEntry>();
  const pack = (v: unknown, path: string): unknown => {
    if (v instanceof Float32Array || v instanceof Float64Array) {
      tensors.set(path, { shape: [v.length], data: v });
      return { $t: path };
    }
    if (typeof v === 'number' && !Number.isFinite(v)) return { $n: String(v) };
    if (Array.isArray(v)) return v.map((x, j) => pack(x, `${path}/${j}`));
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, pack(x, `${path}/${k}`)]));
    return v;
  };
  const skeleton = { state: pack(sd.state, 'state'), param_groups: pack(sd.param_groups, 'param_groups') };
  return serializeSafetensors(tensors, { ...metadata, format: OPTIM_FORMAT, optimizer: JSON.stringify(skeleton) });
}

/** Inverse of serializeOptimizerState; errors name the file. */
export function parseOptimizerState<H = Record<string, unknown>>(bytes: Uint8Array, file = '<bytes>'): OptimizerStateDict<H> {
  const { entries, metadata } = parseSafetensorsRaw(bytes, file);
  if (metadata.format !== OPTIM_FORMAT || metadata.optimizer === undefined) {
    throw new FormatError(file, `not an optimizer state file (metadata format is ${JSON.stringify(metadata.format)}, expected "${OPTIM_FORMAT}")`);
  }
  let skeleton: unknown;
  try {
    skeleton = JSON.parse(metadata.optimizer);
  } catch (e) {
    throw new FormatError(file, `optimizer metadata is not valid JSON (${(e as Error).message})`);
  }
  const unpack = (v: unknown): StateValue | Record<string, unknown> => {
    if (Array.isArray(v)) return v.map((x) => unpack(x)) as StateValue;
    if (typeof v !== 'object' || v === null) return v as StateValue;
    const o = v as Record<string, unknown>;
    if (typeof o.$t === 'string') {
      const raw = entries.get(o.$t);
      if (raw === undefined) throw new FormatError(file, `optimizer state refers to a missing tensor '${o.$t}'`);
      return raw.dtype === 'F64' ? toFloat64(raw) : toFloat32(raw).slice();
    }
    if (typeof o.$n === 'string') return Number(o.$n);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unpack(x)]));
  };
  const sd = unpack(skeleton) as unknown as OptimizerStateDict<H>;
  if (typeof sd !== 'object' || sd === null || !Array.isArray(sd.param_groups) || typeof sd.state !== 'object') {
    throw new FormatError(file, 'optimizer metadata lacks { state, param_groups }');
  }
  return sd;
}
