// The whole backend contract: the kernels both backends implement. The TS functions are the
// reference (plain loops, the specification); src/wasm binds the AssemblyScript twins.
import { col2im } from './col2im.js';
import { gemm } from './gemm.js';
import { im2col } from './im2col.js';

export interface Kernels {
  gemm: typeof gemm;
  im2col: typeof im2col;
  col2im: typeof col2im;
}

export const tsKernels: Kernels = { gemm, im2col, col2im };

// The WASM twins bound to this contract (src/wasm/bindings.ts); src/node/wasm.ts registers them.
export { bindWasmKernels } from '../wasm/bindings.js';
