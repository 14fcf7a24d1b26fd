// FastTrainer.state() ↔ one safetensors file, so `fast train --resume` continues exactly.
// Tensors: `net/<key>` (the network's torch-named state dict, F32), `order/<i>` (each image sampler's
// order, F64: exact integers), `opt/…` (Adam's moment buffers, by parameter index). Metadata: format, `trainer`
// = JSON of the rest (config, step, rng state, the samplers' cursors, the optimizer skeleton where each array is
// {"$t": tensor name} and each non-finite number {"$n": "NaN"}), plus the caller's own fields
// (the Node side keeps the loss settings and the style file there).
import { Tensor } from '../tensor.js';
import { FormatError, parseSafetensorsRaw, serializeSafetensors, toFloat32, toFloat64, type TensorEntry } from '../io/safetensors.js';
import type { TrainerState } from './train.js';

export const FAST_STATE_FORMAT = 'ganstyle-fast-trainer/1';

export function serializeFastState<C>(s: TrainerState<C>, metadata: Record<string, string> = {}): Uint8Array {
  const tensors = new Map<string, TensorEntry>();
  for (const [k, t] of Object.entries(s.net)) tensors.set(`net/${k}`, t);
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
  s.samplers.forEach((sm, i) => tensors.set(`order/${i}`, { shape: [sm.order.length], data: Float64Array.from(sm.order) }));
  const rest = { config: s.config, step: s.step, rng: s.rng, cursors: s.samplers.map((sm) => sm.cursor), net: Object.keys(s.net), opt: pack(s.opt, 'opt') };
  return serializeSafetensors(tensors, { ...metadata, format: FAST_STATE_FORMAT, trainer: JSON.stringify(rest) });
}

/** Inverse of serializeFastState (the state and the file's metadata); errors name the file. */
export function parseFastState<C>(bytes: Uint8Array, file = '<bytes>'): { state: TrainerState<C>; metadata: Record<string, string> } {
  const { entries, metadata } = parseSafetensorsRaw(bytes, file);
  if (metadata.format !== FAST_STATE_FORMAT || metadata.trainer === undefined) {
    throw new FormatError(file, `not a fast-style training checkpoint (metadata format is ${JSON.stringify(metadata.format)}, expected "${FAST_STATE_FORMAT}")`);
  }
  let rest: Record<string, any>;
  try {
    rest = JSON.parse(metadata.trainer);
  } catch (e) {
    throw new FormatError(file, `trainer metadata is not valid JSON (${(e as Error).message})`);
  }
  const raw = (name: string) => {
    const r = entries.get(name);
    if (r === undefined) throw new FormatError(file, `missing tensor '${name}'`);
    return r;
  };
  if (!Array.isArray(rest.net)) throw new FormatError(file, 'trainer metadata lacks the key list of the network');
  const net = Object.fromEntries((rest.net as string[]).map((k) => {
    const r = raw(`net/${k}`);
    return [k, new Tensor(toFloat32(r).slice(), r.shape)];
  }));
  const unpack = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(unpack);
    if (typeof v !== 'object' || v === null) return v;
    const o = v as Record<string, unknown>;
    if (typeof o.$t === 'string') {
      const r = raw(o.$t);
      return r.dtype === 'F64' ? toFloat64(r) : toFloat32(r).slice();
    }
    if (typeof o.$n === 'string') return Number(o.$n);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unpack(x)]));
  };
  if (!Array.isArray(rest.cursors)) throw new FormatError(file, 'trainer metadata lacks the image cursors');
  const state: TrainerState<C> = {
    config: rest.config,
    step: rest.step,
    rng: rest.rng,
    samplers: (rest.cursors as number[]).map((cursor, i) => ({ order: Int32Array.from(toFloat64(raw(`order/${i}`))), cursor })),
    net,
    opt: unpack(rest.opt) as TrainerState<C>['opt'],
  };
  const { format: _f, trainer: _t, ...own } = metadata;
  return { state, metadata: own };
}
