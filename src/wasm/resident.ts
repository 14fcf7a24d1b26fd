// ResidentHeap: long-lived Float32Arrays that live inside a SHARED kernel memory, so the bindings
// (src/wasm/bindings.ts) hand them to kernels by offset instead of copying them in and out on every
// call. Parameters (src/nn/module.ts) and optimizer state (src/optim/adam.ts) are allocated here:
// an MLP-GAN step otherwise copies ≈ 130 MB (weights into every product, Adam's p, m, v in and out).
//
// Only a shared memory qualifies: growing it leaves earlier views valid (a non-shared memory's
// growth detaches its ArrayBuffer, and with it every view a tensor holds). A view's `buffer` is the
// SharedArrayBuffer object current when the view was made; growth makes a new object for the same
// memory, so residency is "the buffer is one this heap has made views on", and the offset is the
// view's byteOffset (subarrays of a resident array are resident too).
//
// Layout: the blocks occupy [start, end) right above the module's data; the calling thread's scratch
// arena (assembly/scratch.ts) starts at `end`, moved with scratch_set_base(end, 0) whenever `end`
// changes. That is only safe between kernel calls, which is when JS code runs (calls are synchronous
// and FinalizationRegistry callbacks run as tasks of their own).
//
// A block is freed when its Float32Array is garbage-collected: a subarray must not outlive the array
// it was cut from (engine code only uses subarrays inside one call).
import type { WasmExports } from './exports.js';

const ALIGN = 16, PAGE = 65536;
/** Scoped results stop at 2 GiB (byte offset): the memory's 4 GiB must leave room for the kernels' scratch arena. */
const SCOPED_LIMIT = 2 ** 31;

/** Bytes of the block holding n floats: a multiple of 16, at least 16 (distinct blocks for empty arrays). */
const blockBytes = (n: number): number => Math.max(ALIGN, Math.ceil((n * 4) / ALIGN) * ALIGN);

interface Block {
  ptr: number;
  bytes: number;
}

/** A scope's block and the float count of the array made on it (an early release takes that whole array only). */
interface ScopedBlock {
  block: Block;
  floats: number;
}

export class ResidentHeap {
  private readonly start: number;
  private end: number;
  /** Free blocks inside [start, end), sorted by ptr, never adjacent (merged on release). */
  private readonly free: Block[] = [];
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private readonly registry = new FinalizationRegistry<Block>((b) => this.release(b));
  /** Blocks of the open result scopes by ptr (in allocation order), innermost scope last. */
  private readonly scopes: Map<number, ScopedBlock>[] = [];
  /** Bytes in live blocks (statistics, tests). */
  liveBytes = 0;

  /** `scopedLimit`: the byte offset scoped blocks may not extend past (a test sets it low). */
  constructor(private readonly ex: WasmExports, private readonly scopedLimit = SCOPED_LIMIT) {
    if (!(ex.memory.buffer instanceof SharedArrayBuffer)) throw new Error('ResidentHeap: needs a shared WebAssembly.Memory');
    ex.scratch_reset();
    this.start = this.end = ex.scratch_alloc(0) >>> 0; // the arena's base: the first free byte above the data
  }

  /** A zeroed array of n floats inside the kernel memory, freed when the GC collects it. */
  array(n: number): Float32Array {
    const [view, block] = this.make(n);
    this.registry.register(view, block);
    return view;
  }

  /**
   * An array of n floats that lives until the innermost open scope ends (beginScope / endScope):
   * the owner guarantees nothing uses it afterwards. Op results inside a training step
   * (src/backend.ts resultScope) are made this way, so kernels read and write them in place.
   * Not zeroed (it holds what a freed block held: an op writes its whole result; zeroing cost a
   * default-recipe MLP-GAN step ≈ 3 ms of 70). null when it would take the heap past the scoped limit
   * (the caller then makes a plain array).
   */
  scopedArray(n: number): Float32Array | null {
    const scope = this.scopes.at(-1);
    if (scope === undefined) throw new Error('ResidentHeap.scopedArray: no open scope');
    const bytes = blockBytes(n);
    if (this.end + bytes > this.scopedLimit && !this.free.some((h) => h.bytes >= bytes)) return null;
    const [view, block] = this.make(n, false);
    scope.set(block.ptr, { block, floats: n });
    return view;
  }

  beginScope(): void {
    this.scopes.push(new Map());
  }

  /** Frees every block of the innermost scope; `poison` first fills them with NaN (tests: a use after the scope shows). */
  endScope(poison = false): void {
    const blocks = this.scopes.pop();
    if (blocks === undefined) throw new Error('ResidentHeap.endScope: no open scope');
    for (const { block } of [...blocks.values()].reverse()) this.releaseScoped(block, poison);
  }

  /**
   * Frees the block of `arr` now if `arr` is a whole array made by scopedArray in the innermost open
   * scope (true), else does nothing (false). For an owner that knows an array is dead before its
   * scope ends (the Gatys chain drops each activation after the next layer): the caller guarantees
   * nothing uses `arr` (or a view on its memory) afterwards.
   */
  releaseScopedArray(arr: Float32Array, poison = false): boolean {
    const scope = this.scopes.at(-1);
    const scoped = scope !== undefined && this.offsetOf(arr) >= 0 ? scope.get(arr.byteOffset) : undefined;
    if (scoped === undefined || scoped.floats !== arr.length) return false;
    scope!.delete(scoped.block.ptr);
    this.releaseScoped(scoped.block, poison);
    return true;
  }

  private releaseScoped(b: Block, poison: boolean): void {
    if (poison) new Float32Array(this.ex.memory.buffer, b.ptr, b.bytes >>> 2).fill(NaN);
    this.release(b);
  }

  get inScope(): boolean {
    return this.scopes.length > 0;
  }

  private make(n: number, zero = true): [Float32Array, Block] {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`ResidentHeap: expected a length ≥ 0, got ${n}`);
    const bytes = blockBytes(n);
    const ptr = this.take(bytes);
    const view = new Float32Array(this.ex.memory.buffer, ptr, n);
    this.buffers.add(view.buffer);
    if (zero) view.fill(0);
    this.liveBytes += bytes;
    return [view, { ptr, bytes }];
  }

  /** The byte offset of `arr` in the kernel memory, or -1 if it is not resident here. */
  offsetOf(arr: Float32Array): number {
    return this.buffers.has(arr.buffer) ? arr.byteOffset : -1;
  }

  /** Bytes the heap spans (live blocks and holes). */
  get spanBytes(): number {
    return this.end - this.start;
  }

  /** First fit among the holes, else the top (growing memory, moving the arena up). */
  private take(bytes: number): number {
    for (let i = 0; i < this.free.length; i++) {
      const hole = this.free[i];
      if (hole.bytes < bytes) continue;
      const ptr = hole.ptr;
      if (hole.bytes === bytes) this.free.splice(i, 1);
      else this.free[i] = { ptr: ptr + bytes, bytes: hole.bytes - bytes };
      return ptr;
    }
    const ptr = this.end, end = ptr + bytes, have = this.ex.memory.buffer.byteLength;
    if (end > have && this.ex.memory.grow(Math.ceil((end - have) / PAGE)) < 0) throw new RangeError('ResidentHeap: out of WebAssembly memory');
    this.setEnd(end);
    return ptr;
  }

  private release(b: Block): void {
    this.liveBytes -= b.bytes;
    let i = 0;
    while (i < this.free.length && this.free[i].ptr < b.ptr) i++;
    let block = b;
    const next = this.free[i], prev = this.free[i - 1];
    if (next !== undefined && block.ptr + block.bytes === next.ptr) {
      block = { ptr: block.ptr, bytes: block.bytes + next.bytes };
      this.free.splice(i, 1);
    }
    if (prev !== undefined && prev.ptr + prev.bytes === block.ptr) {
      block = { ptr: prev.ptr, bytes: prev.bytes + block.bytes };
      this.free.splice(--i, 1);
    }
    if (block.ptr + block.bytes === this.end) this.setEnd(block.ptr); // the top hole goes back to the arena
    else this.free.splice(i, 0, block);
  }

  private setEnd(end: number): void {
    this.end = end;
    this.ex.scratch_set_base(end, 0);
  }
}
