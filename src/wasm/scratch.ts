// marshal: the per-call marshalling of C5, in this order:
//   scratch_reset → scratch_alloc a region per non-resident operand → THEN views on memory.buffer →
//   copy in → call → copy out.
// Views are made after the last alloc because growing WASM memory detaches the old ArrayBuffer, and
// copy-out makes a fresh view again because the kernel itself may grow memory (gemm's packed panels).
// Operands already in the kernel memory (a ResidentHeap's arrays, src/wasm/resident.ts) are passed by
// their offset: no region, no copies; the kernel reads and writes them in place.
import type { WasmExports } from './exports.js';
import type { ResidentHeap } from './resident.js';

/** A Float32Array view of `length` floats at byte offset `ptr` (valid until memory next grows). */
export function f32View(ex: WasmExports, ptr: number, length: number): Float32Array {
  return new Float32Array(ex.memory.buffer, ptr, length);
}

/**
 * One region of a kernel call: `len` floats of `arr` that the kernel reads ('in'), writes ('out') or
 * both ('inout'), or a temporary ('tmp', arr null) that lives for the call.
 */
export interface Operand {
  arr: Float32Array | null;
  len: number;
  io: 'in' | 'out' | 'inout' | 'tmp';
}

export const operand = (arr: Float32Array | null, len: number, io: Operand['io']): Operand => ({ arr, len, io });

/**
 * Places every operand in WASM memory (in place when resident in `heap`, else in a fresh arena region
 * with its inputs copied in), runs `fn` with their byte offsets (16-byte aligned regions, in order),
 * and copies the outputs of the copied ones back. Everything reserved dies at the next call.
 */
export function marshal<T>(ex: WasmExports, heap: ResidentHeap | undefined, ops: readonly Operand[], fn: (ptrs: number[]) => T): T {
  ex.scratch_reset();
  const resident = ops.map((o) => (o.arr === null || o.len === 0 || heap === undefined ? -1 : heap.offsetOf(o.arr)));
  const ptrs = ops.map((o, i) => (resident[i] >= 0 ? resident[i] : ex.scratch_alloc(o.len * 4) >>> 0));
  ops.forEach((o, i) => {
    if (resident[i] < 0 && o.arr !== null && o.len > 0 && (o.io === 'in' || o.io === 'inout')) {
      f32View(ex, ptrs[i], o.len).set(o.len === o.arr.length ? o.arr : o.arr.subarray(0, o.len));
    }
  });
  const result = fn(ptrs);
  ops.forEach((o, i) => {
    if (resident[i] < 0 && o.arr !== null && o.len > 0 && (o.io === 'out' || o.io === 'inout')) o.arr.set(f32View(ex, ptrs[i], o.len));
  });
  return result;
}
