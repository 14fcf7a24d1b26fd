// WasmExports: the hand-written mirror of assembly/index.ts (the WASM ABI, C5). Sizes and flags are
// i32, arrays are byte offsets into `memory`. checkExports() verifies names and arities at load time,
// so an ABI drift fails loudly instead of shifting arguments.

/** n, c, m, h, w, ho, wo, kh, kw, sh, sw, ph, pw, dh, dw, c0, c1 of the depthwise kernel. */
export type DepthwiseArgs = [n: number, c: number, m: number, h: number, w: number, ho: number, wo: number,
  kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, c0: number, c1: number];
/** The ConvGeom (n, cin, h, w, cout, ho, wo, groups, kh, kw, sh, sw, ph, pw, dh, dw), rows and images per band, units [lo, hi) of the conv kernel. */
export type ConvArgs = [n: number, cin: number, h: number, w: number, cout: number, ho: number, wo: number, groups: number,
  kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, rows: number, imgs: number, lo: number, hi: number];

export interface WasmExports {
  memory: WebAssembly.Memory;
  /** assembly/kernels/gemm.ts: same parameters as src/kernels/gemm.ts, arrays as byte offsets. */
  gemm(m: number, n: number, k: number,
    a: number, lda: number, transA: number,
    b: number, ldb: number, transB: number,
    c: number, ldc: number, accumulate: number): void;
  /** gemm run by every thread of a pool job together, taking row units of C from the schedule at `sched`
   *  (gemm_schedule_bytes(m, unitPanels) bytes, zeroed but for its first i32 = unitPanels). */
  gemm_shared(m: number, n: number, k: number,
    a: number, lda: number, transA: number,
    b: number, ldb: number, transB: number,
    c: number, ldc: number, accumulate: number, sched: number): void;
  /** Bytes of gemm_shared's schedule for m rows in units of unitPanels 4-row panels. */
  gemm_schedule_bytes(m: number, unitPanels: number): number;
  /** assembly/kernels/im2col.ts */
  im2col(x: number, c: number, h: number, w: number,
    kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number,
    oh0: number, ohCount: number, ow: number, cols: number): void;
  /** assembly/kernels/col2im.ts */
  col2im(cols: number, c: number, h: number, w: number,
    kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number,
    oh0: number, ohCount: number, ow: number, x: number): void;
  /** assembly/kernels/conv.ts: kind 0 forward / 1 input / 2 weight, the operands, the column
   *  buffer and the forward's bias (0: none) as byte offsets; the gradients accumulate into out (zero it first). */
  conv(kind: number, a: number, b: number, out: number, cols: number, bias: number, ...geometry: ConvArgs): void;
  /** assembly/kernels/depthwise.ts: kind as for conv, src/kernels/depthwise.ts's geometry spelled
   *  out (m = Cout / Cin), arrays as byte offsets; computes input channels [c0, c1) only. */
  depthwise(kind: number, a: number, b: number, out: number, ...geometry: DepthwiseArgs): void;
  /** assembly/kernels/adam.ts: same parameters as src/kernels/adam.ts, arrays as byte offsets (vmax 0: none). */
  adam(p: number, g: number, m: number, v: number, vmax: number, n: number,
    beta1: number, c1: number, beta2: number, c2: number, negStepSize: number, bc2Sqrt: number, eps: number, wd: number): void;
  /** assembly/kernels/power_iteration.ts: same parameters as src/kernels/power_iteration.ts, arrays as byte offsets. */
  power_iteration(weight: number, before: number, h: number, after: number, u: number, v: number, iters: number, eps: number): number;
  /** assembly/kernels/plane_norm.ts: same parameters as src/kernels/plane_norm.ts, arrays as byte offsets (0: null). */
  plane_norm(x: number, n: number, c: number, s: number, weight: number, bias: number, eps: number, relu: number,
    out: number, xhat: number, mean: number, istd: number, variance: number): void;
  /** assembly/kernels/plane_norm_backward.ts: same parameters as src/kernels/plane_norm_backward.ts, arrays as byte offsets (weight, dx 0: none), training as 0/1. */
  plane_norm_backward(dy: number, xhat: number, n: number, c: number, s: number, weight: number, istd: number, training: number,
    dx: number, sdy: number, sdyx: number): void;
  /** assembly/kernels/axpby.ts: same parameters as src/kernels/axpby.ts, arrays as byte offsets (y 0: none). */
  axpby(x: number, a: number, y: number, b: number, n: number, out: number): void;
  /** assembly/kernels/add_rows.ts: same parameters as src/kernels/add_rows.ts, arrays as byte offsets. */
  add_rows(a: number, rows: number, cols: number, b: number, out: number): void;
  /** assembly/kernels/sum_rows.ts: same parameters as src/kernels/sum_rows.ts, arrays as byte offsets. */
  sum_rows(x: number, rows: number, cols: number, out: number): void;
  /** assembly/kernels/leaky_relu.ts: same parameters as src/kernels/leaky_relu.ts, arrays as byte offsets (dy 0: forward). */
  leaky_relu(x: number, dy: number, n: number, slope: number, out: number): void;
  /** assembly/kernels/relu_mask.ts: same parameters as src/kernels/relu_mask.ts, arrays as byte offsets (bits 0: none). */
  relu_mask(x: number, n: number, bits: number, backward: boolean): void;
  /** assembly/kernels/max_pool2d.ts: src/kernels/max_pool2d.ts's geometry spelled out, arrays as byte offsets. */
  max_pool2d(x: number, planes: number, h: number, w: number, ho: number, wo: number,
    kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, out: number, arg: number): void;
  /** assembly/kernels/max_pool2d_backward.ts: same parameters as src/kernels/max_pool2d_backward.ts, arrays as byte offsets. */
  max_pool2d_backward(dy: number, idx: number, planes: number, howo: number, hw: number, out: number): number;
  /** assembly/kernels/spectral_norm_grad.ts: same parameters as src/kernels/spectral_norm_grad.ts, arrays as byte offsets. */
  spectral_norm_grad(dy: number, out: number, u: number, v: number, before: number, h: number, after: number, inv: number, g: number): void;
  /** assembly/scratch.ts: reserves bytes (rounded up to 16), returns a 16-byte aligned offset. */
  scratch_alloc(bytes: number): number;
  /** assembly/kernels/layer_grad.ts: same parameters as src/kernels/layer_grad.ts, arrays as byte offsets (p, sf: 0 = absent), accumulate as 0/1. */
  layer_grad(n: number, f: number, p: number, kc: number, sf: number, ks: number, out: number, accumulate: number): void;
  /** assembly/kernels/reflection_pad2d.ts: same parameters as src/kernels/reflection_pad2d.ts, arrays as byte offsets. */
  reflection_pad2d(x: number, planes: number, h: number, w: number, l: number, r: number, t: number, b: number, out: number): void;
  /** assembly/kernels/reflection_pad2d_backward.ts: same parameters as src/kernels/reflection_pad2d_backward.ts, arrays as byte offsets. */
  reflection_pad2d_backward(dy: number, planes: number, h: number, w: number, l: number, r: number, t: number, b: number, out: number): void;
  /** assembly/kernels/upsample_nearest2d.ts: same parameters as src/kernels/upsample_nearest2d.ts, arrays as byte offsets. */
  upsample_nearest2d(x: number, planes: number, h: number, w: number, sh: number, sw: number, out: number): void;
  /** assembly/kernels/upsample_nearest2d_backward.ts: same parameters as src/kernels/upsample_nearest2d_backward.ts, arrays as byte offsets. */
  upsample_nearest2d_backward(dy: number, planes: number, h: number, w: number, sh: number, sw: number, out: number): void;
  /** assembly/scratch.ts: frees every region. */
  scratch_reset(): void;
  /** assembly/scratch.ts: this instance's arena becomes the empty region [ptr, ptr + bytes) (bytes 0: unbounded). */
  scratch_set_base(ptr: number, bytes: number): void;
  /** assembly/bench/ceiling.ts (bench helper): `chains` f32x4 mul+add recurrences, `iters` times. */
  ceiling(iters: number, chains: number): number;
}

/** Export name → parameter count (a WebAssembly function's `length` is its arity). */
export const WASM_FUNCTIONS = {
  gemm: 12,
  gemm_shared: 13,
  gemm_schedule_bytes: 2,
  im2col: 16,
  col2im: 16,
  conv: 26,
  depthwise: 21,
  adam: 14,
  power_iteration: 8,
  plane_norm: 13,
  plane_norm_backward: 11,
  axpby: 6,
  add_rows: 5,
  sum_rows: 4,
  leaky_relu: 5,
  relu_mask: 4,
  max_pool2d: 16,
  max_pool2d_backward: 6,
  spectral_norm_grad: 9,
  layer_grad: 8,
  reflection_pad2d: 9,
  reflection_pad2d_backward: 9,
  upsample_nearest2d: 7,
  upsample_nearest2d_backward: 7,
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
