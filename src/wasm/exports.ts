// WasmExports: the hand-written mirror of assembly/index.ts (the WASM ABI, C5). Sizes and flags are
// i32, arrays are byte offsets into `memory`. checkExports() verifies names and arities at load time,
// so an ABI drift fails loudly instead of shifting arguments.

export interface WasmExports {
  memory: WebAssembly.Memory;
  /** assembly/kernels/gemm.ts: same parameters as src/kernels/gemm.ts, arrays as byte offsets. */
  gemm(m: number, n: number, k: number,
    a: number, lda: number, transA: number,
    b: number, ldb: number, transB: number,
    c: number, ldc: number, accumulate: number): void;
  /** assembly/kernels/im2col.ts */
  im2col(x: number, c: number, h: number, w: number,
    kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number,
    oh0: number, ohCount: number, ow: number, cols: number): void;
  /** assembly/kernels/col2im.ts */
  col2im(cols: number, c: number, h: number, w: number,
    kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number,
    oh0: number, ohCount: number, ow: number, x: number): void;
  /** assembly/scratch.ts: reserves bytes (rounded up to 16), returns a 16-byte aligned offset. */
  scratch_alloc(bytes: number): number;
  /** assembly/scratch.ts: frees every region. */
  scratch_reset(): void;
  /** assembly/scratch.ts (threads): this instance's arena becomes the empty region [ptr, ptr + bytes). */
  scratch_set_base(ptr: number, bytes: number): void;
  /** assembly/bench/ceiling.ts (bench helper): `chains` f32x4 mul+add recurrences, `iters` times. */
  ceiling(iters: number, chains: number): number;
}

/** Export name → parameter count (a WebAssembly function's `length` is its arity). */
export const WASM_FUNCTIONS = {
  gemm: 12,
  im2col: 16,
  col2im: 16,
  scratch_alloc: 1,
  scratch_reset: 0,
  scratch_set_base: 2,
  ceiling: 2,
} as const satisfies Record<Exclude<keyof WasmExports, 'memory'>, number>;

export function checkExports(exports: WebAssembly.Exports): WasmExports {
  if (!(exports.memory instanceof WebAssembly.Memory)) throw new Error('wasm: module does not export its memory');
  for (const [name, arity] of Object.entries(WASM_FUNCTIONS)) {
    const f = exports[name];
    if (typeof f !== 'function') throw new Error(`wasm: export '${name}' is missing (rebuild with npm run asbuild)`);
    if (f.length !== arity) throw new Error(`wasm: export '${name}' takes ${f.length} parameters, expected ${arity} (src/wasm/exports.ts is out of date)`);
  }
  return exports as unknown as WasmExports;
}
