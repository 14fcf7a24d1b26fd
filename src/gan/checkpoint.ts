// GanTrainer.state() ↔ one safetensors file, so a run resumes exactly from disk.
// Tensors: `G/<key>`, `D/<key>`, `G_ema/<key>` (the models' torch-named state dicts, F32),
// `order` (the data permutation, F64: exact integers), `optG/…`, `optD/…` (Adam's moment buffers,
// as src/optim/serialize.ts names them). Metadata: format, and `trainer` = JSON of everything else
// (config, step, rng state, cursor, EMA update count, optimizer skeletons with {"$t": name} for
// arrays and {"$n": "NaN"} for non-finite numbers).
import { Tensor } from '../tensor.js';
import { FormatError, serializeSafetensors, toFloat32, toFloat64, type TensorEntry } from '../io/safetensors.js';
import { openStateFile, packState, unpackState } from '../io/state_pack.js';
import type { GanTrainerState } from './train.js';

export const GAN_STATE_FORMAT = 'ganstyle-gan-trainer/1';

export function serializeGanState(s: GanTrainerState, metadata: Record<string, string> = {}): Uint8Array {
  const tensors = new Map<string, TensorEntry>();
  const addDict = (prefix: string, sd: Record<string, Tensor>): string[] => {
    for (const [k, t] of Object.entries(sd)) tensors.set(`${prefix}/${k}`, t);
    return Object.keys(sd);
  };
  const pack = (v: unknown, path: string) => packState(v, path, tensors);
  const rest = {
    config: s.config, step: s.step, rng: pack(s.rng, 'rng'), cursor: s.cursor, emaUpdates: s.emaUpdates,
    G: addDict('G', s.G), D: addDict('D', s.D), Gema: s.Gema === null ? null : addDict('G_ema', s.Gema),
    optG: pack(s.optG, 'optG'), optD: pack(s.optD, 'optD'),
  };
  tensors.set('order', { shape: [s.order.length], data: Float64Array.from(s.order) });
  return serializeSafetensors(tensors, { ...metadata, format: GAN_STATE_FORMAT, trainer: JSON.stringify(rest) });
}

/** Inverse of serializeGanState; errors name the file. */
export function parseGanState(bytes: Uint8Array, file = '<bytes>'): GanTrainerState {
  const { json: rest, tensor: raw } = openStateFile(bytes, file, GAN_STATE_FORMAT, 'trainer', 'a GAN trainer checkpoint');
  const dict = (prefix: string, keys: unknown): Record<string, Tensor> => {
    if (!Array.isArray(keys)) throw new FormatError(file, `trainer metadata lacks the key list of ${prefix}`);
    return Object.fromEntries(keys.map((k: string) => {
      const r = raw(`${prefix}/${k}`);
      return [k, new Tensor(toFloat32(r).slice(), r.shape)];
    }));
  };
  const unpack = (v: unknown) => unpackState(v, raw);
  return {
    config: rest.config,
    step: rest.step,
    rng: unpack(rest.rng) as GanTrainerState['rng'],
    order: Int32Array.from(toFloat64(raw('order'))),
    cursor: rest.cursor,
    G: dict('G', rest.G),
    D: dict('D', rest.D),
    Gema: rest.Gema === null ? null : dict('G_ema', rest.Gema),
    emaUpdates: rest.emaUpdates,
    optG: unpack(rest.optG) as GanTrainerState['optG'],
    optD: unpack(rest.optD) as GanTrainerState['optD'],
  };
}
