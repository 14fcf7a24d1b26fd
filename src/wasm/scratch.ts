// withScratch: the per-call marshalling of C5, in this order:
//   scratch_reset → scratch_alloc every region → THEN views on memory.buffer → copy in → call → copy out.
// Views are made after the last alloc because growing WASM memory detaches the old ArrayBuffer, and
// copy-out makes a fresh view again because the kernel itself may grow memory (gemm's packed panels).
import type { WasmExports } from './exports.js';

/** A Float32Array view of `length` floats at byte offset `ptr` (valid until memory next grows). */
export function f32View(ex: WasmExports, ptr: number, length: number): Float32Array {
  return new Float32Array(ex.memory.buffer, ptr, length);
}

/** Copies src[0, length) into WASM memory at ptr. */
export function copyIn(ex: WasmExports, ptr: number, src: Float32Array, length: number): void {
  if (length > 0) f32View(ex, ptr, length).set(length === src.length ? src : src.subarray(0, length));
}

/** Copies WASM memory at ptr back into dst[0, length). */
export function copyOut(ex: WasmExports, ptr: number, dst: Float32Array, length: number): void {
  if (length > 0) dst.set(f32View(ex, ptr, length));
}

/**
 * Resets the arena, reserves one region per entry of `lengths` (in floats) and runs `fn` with their
 * byte offsets (16-byte aligned, in order). Everything reserved dies at the next call.
 */
export function withScratch<T>(ex: WasmExports, lengths: readonly number[], fn: (ptrs: number[]) => T): T {
  ex.scratch_reset();
  const ptrs = lengths.map((n) => ex.scratch_alloc(n * 4) >>> 0);
  return fn(ptrs);
}
