// Per-call bump arena (C5). The JS side calls scratch_reset(), then scratch_alloc() once per
// argument region, and only then builds Float32Array views on memory.buffer (growth detaches it).
// Kernels take their own temporaries (gemm's packed panels) above the caller's regions with
// scratch_mark()/scratch_release(), so a call never leaves anything behind.
//
//   memory: | data + stack | __heap_base … | resident blocks | base: region 0 | region 1 | … | kernel temps | free … |
//                                                           ^ 16-byte aligned, as the AS runtime aligns blocks
// Resident blocks (shared-memory builds only, src/wasm/resident.ts) are long-lived arrays the JS side
// hands to kernels in place; it keeps the arena's base above them with scratch_set_base(end, 0).
//
// The stub runtime (asconfig "runtime": "stub") is linked but never asked for memory: no managed
// objects exist in this module, so the arena owns everything above __heap_base.
// Threads (the "threads" build: one shared memory, one instance per thread): each instance has its
// own base/top, which would all start at __heap_base. The calling thread reserves a region for every
// worker in its own arena, and a worker moves its arena there with scratch_set_base() before each
// job, so no two threads ever allocate the same bytes; a worker arena never grows past its region.

const ALIGN_MASK: usize = 15;

let base: usize = (__heap_base + ALIGN_MASK) & ~ALIGN_MASK;
let top: usize = base;
let limit: usize = 0; // 0: unbounded (grows memory); else the end of a worker's region

// @ts-ignore: decorator
@inline function ensureCapacity(end: usize): void {
  const have = <usize>memory.size() << 16;
  if (end > have) {
    const pages = <i32>((end - have + 0xffff) >>> 16);
    if (memory.grow(pages) < 0) abort('scratch_alloc: out of WebAssembly memory');
  }
}

/** Reserves `bytes` (rounded up to 16) and returns a 16-byte aligned byte offset into memory. */
export function scratch_alloc(bytes: usize): usize {
  const ptr = top;
  const end = (ptr + bytes + ALIGN_MASK) & ~ALIGN_MASK;
  if (end < ptr) abort('scratch_alloc: size overflow');
  if (limit != 0 && end > limit) abort('scratch_alloc: worker arena region too small');
  ensureCapacity(end);
  top = end;
  return ptr;
}

/**
 * The arena becomes [ptr, ptr + bytes) (ptr 16-byte aligned), and is empty; bytes 0: [ptr, …), growing
 * memory as needed. Workers: their region of a job. The calling thread: above the resident blocks
 * (src/wasm/resident.ts keeps long-lived arrays in [__heap_base, ptr) and moves the floor between calls).
 */
export function scratch_set_base(ptr: usize, bytes: usize): void {
  base = ptr;
  top = ptr;
  limit = bytes == 0 ? 0 : ptr + bytes;
}

/** Frees every region at once (the arena's only way to free). */
export function scratch_reset(): void {
  top = base;
}

/** For kernels: the current top, to hand back to scratch_release() when their temporaries die. */
export function scratch_mark(): usize {
  return top;
}

export function scratch_release(mark: usize): void {
  assert(mark >= base && mark <= top, 'scratch_release: mark out of range');
  top = mark;
}
