// Optimizer stateDict() ↔ safetensors bytes, for training checkpoints that resume exactly.
// Every typed array of the state becomes a tensor named `state/<param index>/<key>[/<j>…]`
// (Float32Array → F32, Float64Array → F64, so nothing is rounded); the rest of the dict (param
// groups, step counters, scalars) is JSON in the metadata key `optimizer`, where each array is
// replaced by {"$t": "<tensor name>"} and each non-finite number by {"$n": "Infinity" | "-Infinity" | "NaN"}.
import { FormatError, serializeSafetensors, type TensorEntry } from '../io/safetensors.js';
import { openStateFile, packState, unpackState } from '../io/state_pack.js';
import type { OptimizerStateDict } from './optimizer.js';

export const OPTIM_FORMAT = 'ganstyle-optim/1';

export function serializeOptimizerState(sd: OptimizerStateDict<object>, metadata: Record<string, string> = {}): Uint8Array {
  const tensors = new Map<string, TensorEntry>();
  const skeleton = { state: packState(sd.state, 'state', tensors), param_groups: packState(sd.param_groups, 'param_groups', tensors) };
  return serializeSafetensors(tensors, { ...metadata, format: OPTIM_FORMAT, optimizer: JSON.stringify(skeleton) });
}

/** Inverse of serializeOptimizerState; errors name the file. */
export function parseOptimizerState<H = Record<string, unknown>>(bytes: Uint8Array, file = '<bytes>'): OptimizerStateDict<H> {
  const { json: skeleton, tensor } = openStateFile(bytes, file, OPTIM_FORMAT, 'optimizer', 'an optimizer state file');
  const sd = unpackState(skeleton, tensor) as OptimizerStateDict<H>;
  if (typeof sd !== 'object' || sd === null || !Array.isArray(sd.param_groups) || typeof sd.state !== 'object') {
    throw new FormatError(file, 'optimizer metadata lacks { state, param_groups }');
  }
  return sd;
}
