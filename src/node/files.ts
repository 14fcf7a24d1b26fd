// Node file adapters for the byte-level formats in src/io (safetensors, .npy) and the optimizer
// state (src/optim/serialize.ts). Every error names the file. Writes are atomic: the bytes go to a
// temporary file in the same folder, are fsync'ed, then renamed over the target, so a crash never
// leaves a half-written checkpoint.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Tensor } from '../tensor.js';
import { parseSafetensors, serializeSafetensors, type TensorEntry } from '../io/safetensors.js';
import { parseNpy, serializeNpy } from '../io/npy.js';
import type { Optimizer, OptimizerStateDict } from '../optim/optimizer.js';
import { parseOptimizerState, serializeOptimizerState } from '../optim/serialize.js';

/** The whole file as bytes (a view of Node's buffer, no copy). */
export function readFileBytes(file: string): Uint8Array {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as Error).message})`, { cause: e });
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Writes bytes to file atomically (temporary file in the same folder + fsync + rename). */
export function writeFileAtomic(file: string, bytes: Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // the temporary file was not created or is already gone
    }
    throw new Error(`${file}: cannot write (${(e as Error).message})`, { cause: e });
  }
  try {
    // make the rename itself durable (not possible on every platform: best effort)
    const dfd = openSync(path.dirname(file), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // ignore
  }
}

/** A safetensors file: every tensor as float32 (in file order) and the metadata. */
export function readSafetensorsFile(file: string): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  return parseSafetensors(readFileBytes(file), file);
}

export function writeSafetensorsFile(file: string, tensors: Map<string, TensorEntry> | Record<string, TensorEntry>, metadata?: Record<string, string>): void {
  writeFileAtomic(file, serializeSafetensors(tensors, metadata));
}

export function readNpyFile(file: string): Tensor {
  return parseNpy(readFileBytes(file), file);
}

export function writeNpyFile(file: string, t: Tensor): void {
  writeFileAtomic(file, serializeNpy(t));
}

/**
 * Any tensor file by content: safetensors → its tensors and metadata; .npy → one tensor named
 * after the file (without the extension) and no metadata.
 */
export function readTensorFile(file: string): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const bytes = readFileBytes(file);
  if (bytes.length >= 6 && bytes[0] === 0x93 && String.fromCharCode(...bytes.subarray(1, 6)) === 'NUMPY') {
    return { tensors: new Map([[path.basename(file).replace(/\.npy$/i, ''), parseNpy(bytes, file)]]), metadata: {} };
  }
  return parseSafetensors(bytes, file);
}

type StateDictLike = Map<string, Tensor> | Record<string, Tensor> | { stateDict(): Record<string, Tensor> };

/** Saves a model's stateDict() (or any name → Tensor map) as safetensors. */
export function saveStateDict(file: string, sd: StateDictLike, metadata?: Record<string, string>): void {
  const tensors = !(sd instanceof Map) && typeof (sd as { stateDict?: unknown }).stateDict === 'function'
    ? (sd as { stateDict(): Record<string, Tensor> }).stateDict()
    : (sd as Map<string, Tensor> | Record<string, Tensor>);
  writeSafetensorsFile(file, tensors, metadata);
}

/** Loads a safetensors file as a name → Tensor record, in file order, for Module.loadStateDict. */
export function loadStateDict(file: string): Record<string, Tensor> {
  return Object.fromEntries(readSafetensorsFile(file).tensors);
}

/** Saves an optimizer's state (optimizer.stateDict()) so training resumes exactly. */
export function saveOptimizerState(file: string, opt: Optimizer<object> | OptimizerStateDict<object>, metadata?: Record<string, string>): void {
  const sd = 'stateDict' in opt && typeof opt.stateDict === 'function' ? opt.stateDict() : (opt as OptimizerStateDict<object>);
  writeFileAtomic(file, serializeOptimizerState(sd, metadata));
}

/** Reads a file written by saveOptimizerState; pass the result to optimizer.loadStateDict. */
export function loadOptimizerState<H = Record<string, unknown>>(file: string): OptimizerStateDict<H> {
  return parseOptimizerState<H>(readFileBytes(file), file);
}
