// bindWasmKernels: the `Kernels` contract on top of a kernel module instance. Each binding checks
// that the arrays hold the extent the kernel reads, copies in only that extent, calls the twin in
// assembly/kernels/ and copies the written extent back (src/wasm/scratch.ts has the order rules).
// With a Parallel (the 'threads' build on a shared memory, src/wasm/parallel.ts) big gemm and
// im2col/col2im calls are split across the pool; the copies stay on the calling thread.
import type { Kernels } from '../kernels/index.js';
import type { WasmExports } from './exports.js';
import type { Parallel } from './parallel.js';
import { copyIn, copyOut, withScratch } from './scratch.js';

/** Floats spanned by `rows` rows of `cols` elements with leading dimension `ld` (0 if empty). */
function extent(rows: number, cols: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
}

function need(kernel: string, name: string, arr: Float32Array, length: number): void {
  if (arr.length < length) {
    throw new RangeError(`${kernel}: ${name} has ${arr.length} elements, the call reads ${length}`);
  }
}

export function bindWasmKernels(ex: WasmExports, par?: Parallel): Kernels {
  return {
    gemm(m, n, k, a, lda, transA, b, ldb, transB, c, ldc, accumulate) {
      const aLen = transA ? extent(k, m, lda) : extent(m, k, lda);
      const bLen = transB ? extent(n, k, ldb) : extent(k, n, ldb);
      const cLen = extent(m, n, ldc);
      need('gemm', 'a', a, aLen);
      need('gemm', 'b', b, bLen);
      need('gemm', 'c', c, cLen);
      if (cLen === 0) return;
      const split = par !== undefined && par.splitsGemm(m, n, k);
      if (split) par.wake();
      withScratch(ex, split ? [aLen, bLen, cLen, par.arenaBytes / 4] : [aLen, bLen, cLen], ([pa, pb, pc, arena]) => {
        copyIn(ex, pa, a, aLen);
        copyIn(ex, pb, b, bLen);
        // C is read when accumulating, and its row gaps (ldc > n) must survive the copy-out.
        if (accumulate || (m > 1 && ldc !== n)) copyIn(ex, pc, c, cLen);
        if (split) par.gemm(m, n, k, pa, lda, transA ? 1 : 0, pb, ldb, transB ? 1 : 0, pc, ldc, accumulate ? 1 : 0, arena);
        else ex.gemm(
          m, //                   rows of op(A) and C
          n, //                   columns of op(B) and C
          k, //                   inner dimension
          pa, //                  A (byte offset)
          lda, //                 leading dimension of A (elements)
          transA ? 1 : 0, //      op(A) = Aᵀ
          pb, //                  B (byte offset)
          ldb, //                 leading dimension of B
          transB ? 1 : 0, //      op(B) = Bᵀ
          pc, //                  C (byte offset)
          ldc, //                 leading dimension of C
          accumulate ? 1 : 0, //  C += … instead of C = …
        );
        copyOut(ex, pc, c, cLen);
      });
    },

    im2col(x, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh0, ohCount, ow, cols) {
      const xLen = c * h * w, colsLen = c * kh * kw * ohCount * ow;
      need('im2col', 'x', x, xLen);
      need('im2col', 'cols', cols, colsLen);
      if (colsLen === 0) return;
      if (par?.splitsIm2col(c, colsLen)) par.wake();
      withScratch(ex, [xLen, colsLen], ([px, pcols]) => {
        copyIn(ex, px, x, xLen);
        if (par !== undefined) par.im2col(false, [px, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh0, ohCount, ow, pcols]);
        else ex.im2col(
          px, //           image [c, h, w] (byte offset)
          c, h, w, //      image size
          kh, kw, //       kernel size
          sh, sw, //       stride
          ph, pw, //       zero padding
          dh, dw, //       dilation
          oh0, //          first output row of this tile
          ohCount, //      output rows in this tile
          ow, //           output width
          pcols, //        columns [c·kh·kw, ohCount·ow] (byte offset)
        );
        copyOut(ex, pcols, cols, colsLen);
      });
    },

    col2im(cols, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh0, ohCount, ow, x) {
      const colsLen = c * kh * kw * ohCount * ow, xLen = c * h * w;
      need('col2im', 'cols', cols, colsLen);
      need('col2im', 'x', x, xLen);
      if (colsLen === 0 || xLen === 0) return;
      if (par?.splitsIm2col(c, colsLen)) par.wake();
      withScratch(ex, [colsLen, xLen], ([pcols, px]) => {
        copyIn(ex, pcols, cols, colsLen);
        copyIn(ex, px, x, xLen); // accumulated into
        if (par !== undefined) par.im2col(true, [pcols, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh0, ohCount, ow, px]);
        else ex.col2im(
          pcols, //        columns [c·kh·kw, ohCount·ow] (byte offset)
          c, h, w, //      image size
          kh, kw, //       kernel size
          sh, sw, //       stride
          ph, pw, //       zero padding
          dh, dw, //       dilation
          oh0, //          first output row of this tile
          ohCount, //      output rows in this tile
          ow, //           output width
          px, //           image [c, h, w], accumulated into (byte offset)
        );
        copyOut(ex, px, x, xLen);
      });
    },
  };
}
