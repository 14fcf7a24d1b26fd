// Training state (optimizer state dicts, RNG states, trainer bookkeeping) ↔ safetensors tensors +
// JSON metadata, shared by every checkpoint format: packState replaces each typed array by
// {"$t": "<tensor name>"} (the array becomes that tensor: Float32Array → F32, Float64Array → F64, so
// nothing is rounded) and each non-finite number by {"$n": "NaN" | "Infinity" | "-Infinity"} (JSON has
// neither); unpackState reverses it.
import { FormatError, parseSafetensorsRaw, toFloat32, toFloat64, type RawTensor, type TensorEntry } from './safetensors.js';

/** A JSON-able copy of v; its typed arrays are added to `tensors` under `path/<key>/…`. */
export function packState(v: unknown, path: string, tensors: Map<string, TensorEntry>): unknown {
  if (v instanceof Float32Array || v instanceof Float64Array) {
    tensors.set(path, { shape: [v.length], data: v });
    return { $t: path };
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return { $n: String(v) };
  if (Array.isArray(v)) return v.map((x, j) => packState(x, `${path}/${j}`, tensors));
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, packState(x, `${path}/${k}`, tensors)]));
  return v;
}

/** Inverse of packState; `tensor(name)` returns the stored tensor or throws (naming the file). */
export function unpackState(v: unknown, tensor: (name: string) => RawTensor): unknown {
  if (Array.isArray(v)) return v.map((x) => unpackState(x, tensor));
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  if (typeof o.$t === 'string') {
    const raw = tensor(o.$t);
    return raw.dtype === 'F64' ? toFloat64(raw) : toFloat32(raw).slice();
  }
  if (typeof o.$n === 'string') return Number(o.$n);
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unpackState(x, tensor)]));
}

/**
 * Opens a state file written as serializeSafetensors(tensors, { format, [key]: JSON }): checks the
 * format (`what` names it in the error), parses the JSON and returns a tensor lookup; every error
 * names the file.
 */
export function openStateFile(bytes: Uint8Array, file: string, format: string, key: string, what: string): { json: any; metadata: Record<string, string>; tensor: (name: string) => RawTensor } {
  const { entries, metadata } = parseSafetensorsRaw(bytes, file);
  if (metadata.format !== format || metadata[key] === undefined) {
    throw new FormatError(file, `not ${what} (metadata format is ${JSON.stringify(metadata.format)}, expected "${format}")`);
  }
  let json: any;
  try {
    json = JSON.parse(metadata[key]);
  } catch (e) {
    throw new FormatError(file, `${key} metadata is not valid JSON (${(e as Error).message})`);
  }
  const tensor = (name: string): RawTensor => {
    const raw = entries.get(name);
    if (raw === undefined) throw new FormatError(file, `${key} metadata refers to a missing tensor '${name}'`);
    return raw;
  };
  return { json, metadata, tensor };
}
