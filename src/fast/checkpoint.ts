// FastTrainer.state() ↔ one safetensors file, so `fast train --resume` continues exactly.
// Tensors: `net/<key>` (the network's torch-named state dict, F32), `order/<i>` (each image sampler's
// order, F64: exact integers), `opt/…` (Adam's moment buffers, by parameter index). Metadata: format, `trainer`
// = JSON of the rest (config, step, rng state, the samplers' cursors, the optimizer skeleton where each array is
// {"$t": tensor name} and each non-finite number {"$n": "NaN"}), plus the caller's own fields
// (the Node side keeps the loss settings and the style file there).
import { Tensor } from '../tensor.js';
import { FormatError, serializeSafetensors, toFloat32, toFloat64, type TensorEntry } from '../io/safetensors.js';
import { openStateFile, packState, unpackState } from '../io/state_pack.js';
import type { TrainerState } from './train.js';

export const FAST_STATE_FORMAT = 'ganstyle-fast-trainer/1';

export function serializeFastState<C>(s: TrainerState<C>, metadata: Record<string, string> = {}): Uint8Array {
  const tensors = new Map<string, TensorEntry>();
  for (const [k, t] of Object.entries(s.net)) tensors.set(`net/${k}`, t);
  s.samplers.forEach((sm, i) => tensors.set(`order/${i}`, { shape: [sm.order.length], data: Float64Array.from(sm.order) }));
  const rest = { config: s.config, step: s.step, rng: s.rng, cursors: s.samplers.map((sm) => sm.cursor), net: Object.keys(s.net), opt: packState(s.opt, 'opt', tensors) };
  return serializeSafetensors(tensors, { ...metadata, format: FAST_STATE_FORMAT, trainer: JSON.stringify(rest) });
}

/** Inverse of serializeFastState (the state and the file's metadata); errors name the file. */
export function parseFastState<C>(bytes: Uint8Array, file = '<bytes>'): { state: TrainerState<C>; metadata: Record<string, string> } {
  const { json: rest, metadata, tensor: raw } = openStateFile(bytes, file, FAST_STATE_FORMAT, 'trainer', 'a fast-style training checkpoint');
  if (!Array.isArray(rest.net)) throw new FormatError(file, 'trainer metadata lacks the key list of the network');
  const net = Object.fromEntries((rest.net as string[]).map((k) => {
    const r = raw(`net/${k}`);
    return [k, new Tensor(toFloat32(r).slice(), r.shape)];
  }));
  if (!Array.isArray(rest.cursors)) throw new FormatError(file, 'trainer metadata lacks the image cursors');
  const state: TrainerState<C> = {
    config: rest.config,
    step: rest.step,
    rng: rest.rng,
    samplers: (rest.cursors as number[]).map((cursor, i) => ({ order: Int32Array.from(toFloat64(raw(`order/${i}`))), cursor })),
    net,
    opt: unpackState(rest.opt, raw) as TrainerState<C>['opt'],
  };
  const { format: _f, trainer: _t, ...own } = metadata;
  return { state, metadata: own };
}
