// bindWasmKernels: the `Kernels` contract on top of a kernel module instance. Each binding checks
// that the arrays hold the extent the kernel reads, places the operands in WASM memory (copies in
// only that extent, or passes arrays resident in `heap` in place: src/wasm/scratch.ts marshal),
// calls the twin in assembly/kernels/ and copies the written extent back.
// conv and depthwise copy each operand in once and run whole convolutions inside WASM. With a
// Parallel (the 'threads' build on a shared memory, src/wasm/parallel.ts) big gemm and
// im2col/col2im calls and the convolutions' units are split across the pool; the copies stay on
// the calling thread.
import type { Kernels } from '../kernels/index.js';
import { convColsFloats, convImages, convRows, convSizes, convUnits, type ConvLoopKind } from '../kernels/conv.js';
import { checkDepthwise } from '../kernels/depthwise.js';
import type { WasmExports } from './exports.js';
import { CONV_KINDS, convArenaExtraBytes, PARALLEL_MIN_FLOPS, type Parallel } from './parallel.js';
import type { ResidentHeap } from './resident.js';
import { f32View, marshal, operand } from './scratch.js';

/** Floats spanned by `rows` rows of `cols` elements with leading dimension `ld` (0 if empty). */
function extent(rows: number, cols: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
}

function need(kernel: string, name: string, arr: Float32Array, length: number): void {
  if (arr.length < length) {
    throw new RangeError(`${kernel}: ${name} has ${arr.length} elements, the call reads ${length}`);
  }
}

// The operands of conv / depthwise (kind, a, b, g, out), as sizes of the geometry: forward
// (x, wt → y), input (dy, wt → dx), weight (x, dy → dw).
type Role = 'x' | 'y' | 'w';
const ROLES: Record<ConvLoopKind, [Role, Role, Role]> = { forward: ['x', 'w', 'y'], input: ['y', 'w', 'x'], weight: ['x', 'y', 'w'] };

/**
 * conv or depthwise: checks the operands, copies a and b in once, runs the whole convolution inside
 * WASM (the twin's band loops, or the depthwise kernel) — on the pool, the threads share its units
 * or channels — and copies the result out once. Regions: a, b, out, columns, the workers' arenas.
 */
function bindConv(ex: WasmExports, par: Parallel | undefined, heap: ResidentHeap | undefined, depthwise: boolean): Kernels['conv'] {
  return (kind, a, b, g, out, bias = null) => {
    const name = `${depthwise ? 'depthwise' : 'conv'} ${kind}`, [ra, rb, rout] = ROLES[kind];
    if (depthwise) checkDepthwise(name, g);
    if (bias !== null && (depthwise || kind !== 'forward')) throw new Error(`${name}: a bias belongs to conv's forward only`);
    if (bias !== null) need(name, 'bias', bias, g.cout);
    const sizes = convSizes(g);
    const [aLen, bLen, outLen] = [sizes[ra], sizes[rb], sizes[rout]];
    need(name, ra, a, aLen);
    need(name, rb, b, bLen);
    need(name, rout, out, outLen);
    if (outLen === 0) return;
    const k = CONV_KINDS.indexOf(kind), flops = 2 * sizes.y * (g.cin / g.groups) * g.kh * g.kw;
    if (par !== undefined && par.threads > 1 && flops >= PARALLEL_MIN_FLOPS) par.wake();
    // the pool's forward (and a gradient split by output channels or x rows) gives each thread its own column buffer
    const colsLen = depthwise ? 0 : convColsFloats(g);
    const colsBuffers = par !== undefined && !depthwise && par.colsPerThread(kind, g, flops) ? par.threads : 1;
    const ops = [operand(a, aLen, 'in'), operand(b, bLen, 'in'), operand(out, outLen, 'out'),
      operand(null, colsLen * colsBuffers, 'tmp'), operand(null, par === undefined ? 0 : par.arenaBytes(depthwise ? 0 : convArenaExtraBytes(kind, g)) / 4, 'tmp'), operand(bias, bias === null ? 0 : g.cout, 'in')];
    marshal(ex, heap, ops, ([pa, pb, po, pcols, arena, pbias]) => {
      const biasPtr = bias === null ? 0 : pbias;
      if (depthwise) {
        const args = [k, pa, pb, po, g.n, g.cin, g.cout / g.cin, g.h, g.w, g.ho, g.wo, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw] as const;
        if (par !== undefined) par.depthwise(args, flops, arena);
        else ex.depthwise(...args, 0, g.cin);
      } else {
        if (kind !== 'forward') f32View(ex, po, outLen).fill(0); // the gradients accumulate
        if (par !== undefined) par.conv(kind, [pa, pb, po, pcols, biasPtr], colsLen, g, flops, arena);
        else ex.conv(k, pa, pb, po, pcols, biasPtr, g.n, g.cin, g.h, g.w, g.cout, g.ho, g.wo, g.groups, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, convRows(g), convImages(g), 0, convUnits(kind, g));
      }
    });
  };
}

export function bindWasmKernels(ex: WasmExports, par?: Parallel, heap?: ResidentHeap): Kernels {
  return {
    conv: bindConv(ex, par, heap, false),
    depthwise: bindConv(ex, par, heap, true),

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
      // C is read when accumulating, and its row gaps (ldc > n) must survive the copy-out.
      const cIo = accumulate || (m > 1 && ldc !== n) ? 'inout' : 'out';
      const ops = [operand(a, aLen, 'in'), operand(b, bLen, 'in'), operand(c, cLen, cIo), operand(null, split ? par.gemmArenaBytes(m, n) / 4 : 0, 'tmp')];
      marshal(ex, heap, ops, ([pa, pb, pc, arena]) => {
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
      });
    },

    im2col(x, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh0, ohCount, ow, cols) {
      const xLen = c * h * w, colsLen = c * kh * kw * ohCount * ow;
      need('im2col', 'x', x, xLen);
      need('im2col', 'cols', cols, colsLen);
      if (colsLen === 0) return;
      if (par?.splitsIm2col(c, colsLen)) par.wake();
      marshal(ex, heap, [operand(x, xLen, 'in'), operand(cols, colsLen, 'out')], ([px, pcols]) => {
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
      });
    },

    col2im(cols, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh0, ohCount, ow, x) {
      const colsLen = c * kh * kw * ohCount * ow, xLen = c * h * w;
      need('col2im', 'cols', cols, colsLen);
      need('col2im', 'x', x, xLen);
      if (colsLen === 0 || xLen === 0) return;
      if (par?.splitsIm2col(c, colsLen)) par.wake();
      // x is accumulated into
      marshal(ex, heap, [operand(cols, colsLen, 'in'), operand(x, xLen, 'inout')], ([pcols, px]) => {
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
      });
    },

    // Memory-bound (7 floats moved per element, ~10 flops); big updates are split across the pool.
    // Resident p, m, v (parameters and Adam's state, src/wasm/resident.ts) are updated in place.
    adam(p, g, m, v, vmax, n, beta1, c1, beta2, c2, negStepSize, bc2Sqrt, eps, wd) {
      const arrays = vmax === null ? [p, g, m, v] : [p, g, m, v, vmax];
      const names = ['p', 'g', 'm', 'v', 'vmax'];
      arrays.forEach((arr, i) => need('adam', names[i], arr, n));
      if (n === 0) return;
      const split = par?.splitsAdam(n) === true;
      if (split) par.wake();
      marshal(ex, heap, arrays.map((arr, i) => operand(arr, n, i === 1 ? 'in' : 'inout')), (ptrs) => {
        const scalars = [beta1, c1, beta2, c2, negStepSize, bc2Sqrt, eps, wd];
        if (split) par.adam([ptrs[0], ptrs[1], ptrs[2], ptrs[3], ptrs[4] ?? 0], n, scalars);
        else ex.adam(ptrs[0], ptrs[1], ptrs[2], ptrs[3], ptrs[4] ?? 0, n, beta1, c1, beta2, c2, negStepSize, bc2Sqrt, eps, wd);
      });
    },

    // Memory-bound (three passes over x): one thread.
    plane_norm(x, n, c, s, weight, bias, eps, relu, out, xhat, mean, istd, variance = null) {
      const len = n * c * s;
      need('plane_norm', 'x', x, len);
      need('plane_norm', 'out', out, len);
      if (xhat !== null) need('plane_norm', 'xhat', xhat, len);
      for (const [name, v] of [['weight', weight], ['bias', bias], ['mean', mean], ['istd', istd], ['variance', variance]] as const) if (v !== null) need('plane_norm', name, v, c);
      if (c === 0) return;
      const ops = [operand(x, len, 'in'), operand(out, len, 'out'), operand(xhat, xhat === null ? 0 : len, 'out'), operand(mean, c, 'out'),
        operand(istd, c, 'out'), operand(weight, weight === null ? 0 : c, 'in'), operand(bias, bias === null ? 0 : c, 'in'), operand(variance, variance === null ? 0 : c, 'out')];
      marshal(ex, heap, ops, ([px, po, ph, pm, pi, pg, pb, pv]) => {
        ex.plane_norm(px, n, c, s, weight === null ? 0 : pg, bias === null ? 0 : pb, eps, relu ? 1 : 0, po, xhat === null ? 0 : ph, pm, pi, variance === null ? 0 : pv);
      });
    },

    // Copies: one thread.
    reflection_pad2d(x, planes, h, w, l, r, t, b, out) {
      const outLen = planes * (h + t + b) * (w + l + r);
      need('reflection_pad2d', 'x', x, planes * h * w);
      need('reflection_pad2d', 'out', out, outLen);
      if (outLen === 0) return;
      const ops = [operand(x, planes * h * w, 'in'), operand(out, outLen, 'out')];
      marshal(ex, heap, ops, ([px, po]) => ex.reflection_pad2d(px, planes, h, w, l, r, t, b, po));
    },

    reflection_pad2d_backward(dy, planes, h, w, l, r, t, b, out) {
      const dyLen = planes * (h + t + b) * (w + l + r);
      need('reflection_pad2d_backward', 'dy', dy, dyLen);
      need('reflection_pad2d_backward', 'out', out, planes * h * w);
      if (planes * h * w === 0) return;
      const ops = [operand(dy, dyLen, 'in'), operand(out, planes * h * w, 'out')];
      marshal(ex, heap, ops, ([pd, po]) => ex.reflection_pad2d_backward(pd, planes, h, w, l, r, t, b, po));
    },

    upsample_nearest2d(x, planes, h, w, sh, sw, out) {
      const len = planes * h * w;
      need('upsample_nearest2d', 'x', x, len);
      need('upsample_nearest2d', 'out', out, len * sh * sw);
      if (len * sh * sw === 0) return;
      const ops = [operand(x, len, 'in'), operand(out, len * sh * sw, 'out')];
      marshal(ex, heap, ops, ([px, po]) => ex.upsample_nearest2d(px, planes, h, w, sh, sw, po));
    },

    upsample_nearest2d_backward(dy, planes, h, w, sh, sw, out) {
      const len = planes * h * w;
      need('upsample_nearest2d_backward', 'dy', dy, len * sh * sw);
      need('upsample_nearest2d_backward', 'out', out, len);
      if (len === 0) return;
      const ops = [operand(dy, len * sh * sw, 'in'), operand(out, len, 'out')];
      marshal(ex, heap, ops, ([pd, po]) => ex.upsample_nearest2d_backward(pd, planes, h, w, sh, sw, po));
    },

    // Memory-bound (two passes over dy and x̂, one writing dx): one thread.
    plane_norm_backward(dy, xhat, n, c, s, weight, istd, training, dx, sdy, sdyx) {
      const len = n * c * s;
      need('plane_norm_backward', 'dy', dy, len);
      need('plane_norm_backward', 'xhat', xhat, len);
      if (dx !== null) need('plane_norm_backward', 'dx', dx, len);
      for (const [name, v] of [['weight', weight], ['istd', istd], ['sdy', sdy], ['sdyx', sdyx]] as const) if (v !== null) need('plane_norm_backward', name, v, c);
      if (c === 0) return;
      const ops = [operand(dy, len, 'in'), operand(xhat, len, 'in'), operand(weight, weight === null ? 0 : c, 'in'), operand(istd, c, 'in'),
        operand(dx, dx === null ? 0 : len, 'out'), operand(sdy, c, 'out'), operand(sdyx, c, 'out')];
      marshal(ex, heap, ops, ([pd, ph, pg, pi, px, ps, pt]) => {
        ex.plane_norm_backward(pd, ph, n, c, s, weight === null ? 0 : pg, pi, training ? 1 : 0, dx === null ? 0 : px, ps, pt);
      });
    },

    // Memory-bound (a few MB at most: spectral norm, the weight EMA, activations): one thread.
    axpby(x, a, y, b, n, out) {
      need('axpby', 'x', x, n);
      if (y !== null) need('axpby', 'y', y, n);
      need('axpby', 'out', out, n);
      if (n === 0) return;
      const ops = [operand(x, n, 'in'), operand(y, y === null ? 0 : n, 'in'), operand(out, n, 'out')];
      marshal(ex, heap, ops, ([px, py, po]) => ex.axpby(px, a, y === null ? 0 : py, b, n, po));
    },

    layer_grad(n, f, p, kc, sf, ks, out, accumulate) {
      need('layer_grad', 'f', f, n);
      if (p !== null) need('layer_grad', 'p', p, n);
      if (sf !== null) need('layer_grad', 'sf', sf, n);
      need('layer_grad', 'out', out, n);
      if (n === 0) return;
      const ops = [operand(f, n, 'in'), operand(p, p === null ? 0 : n, 'in'), operand(sf, sf === null ? 0 : n, 'in'), operand(out, n, accumulate ? 'inout' : 'out')];
      marshal(ex, heap, ops, ([pf, pp, ps, po]) => ex.layer_grad(n, pf, p === null ? 0 : pp, kc, sf === null ? 0 : ps, ks, po, accumulate ? 1 : 0));
    },

    add_rows(a, rows, cols, b, out) {
      need('add_rows', 'a', a, rows * cols);
      need('add_rows', 'b', b, cols);
      need('add_rows', 'out', out, rows * cols);
      if (rows * cols === 0) return;
      const ops = [operand(a, rows * cols, 'in'), operand(b, cols, 'in'), operand(out, rows * cols, 'out')];
      marshal(ex, heap, ops, ([pa, pb, po]) => ex.add_rows(pa, rows, cols, pb, po));
    },

    sum_rows(x, rows, cols, out) {
      need('sum_rows', 'x', x, rows * cols);
      need('sum_rows', 'out', out, cols);
      if (cols === 0) return;
      marshal(ex, heap, [operand(x, rows * cols, 'in'), operand(out, cols, 'out')], ([px, po]) => ex.sum_rows(px, rows, cols, po));
    },

    leaky_relu(x, dy, n, slope, out) {
      need('leaky_relu', 'x', x, n);
      if (dy !== null) need('leaky_relu', 'dy', dy, n);
      need('leaky_relu', 'out', out, n);
      if (n === 0) return;
      const ops = [operand(x, n, 'in'), operand(dy, dy === null ? 0 : n, 'in'), operand(out, n, 'out')];
      marshal(ex, heap, ops, ([px, pd, po]) => ex.leaky_relu(px, dy === null ? 0 : pd, n, slope, po));
    },

    relu_mask(x, n, bits, backward) {
      const words = (n + 31) >> 5;
      need('relu_mask', 'x', x, n);
      if (bits !== null) need('relu_mask', 'bits', bits, words);
      else if (backward) throw new Error('relu_mask: the backward needs the mask bits');
      if (n === 0) return;
      const ops = [operand(x, n, 'inout'), operand(bits, bits === null ? 0 : words, backward ? 'in' : 'out')];
      marshal(ex, heap, ops, ([px, pb]) => ex.relu_mask(px, n, bits === null ? 0 : pb, backward));
    },

    // Memory-bound (each input read once): one thread.
    max_pool2d(x, g, out, arg) {
      const n = g.planes * g.h * g.w, len = g.planes * g.ho * g.wo;
      need('max_pool2d', 'x', x, n);
      need('max_pool2d', 'out', out, len);
      need('max_pool2d', 'arg', arg, len);
      if (len === 0) return;
      marshal(ex, heap, [operand(x, n, 'in'), operand(out, len, 'out'), operand(arg, len, 'out')], ([px, po, pa]) =>
        ex.max_pool2d(px, g.planes, g.h, g.w, g.ho, g.wo, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, po, pa));
    },

    max_pool2d_backward(dy, idx, planes, howo, hw, out) {
      need('max_pool2d_backward', 'dy', dy, planes * howo);
      need('max_pool2d_backward', 'idx', idx, planes * howo);
      need('max_pool2d_backward', 'out', out, planes * hw);
      if (planes * hw === 0) return -1;
      const ops = [operand(dy, planes * howo, 'in'), operand(idx, planes * howo, 'in'), operand(out, planes * hw, 'out')];
      return marshal(ex, heap, ops, ([pd, pi, po]) => ex.max_pool2d_backward(pd, pi, planes, howo, hw, po));
    },

    spectral_norm_grad(dy, out, u, v, before, h, after, inv, g) {
      const n = before * h * after, cols = before * after;
      need('spectral_norm_grad', 'dy', dy, n);
      need('spectral_norm_grad', 'out', out, n);
      need('spectral_norm_grad', 'u', u, h);
      need('spectral_norm_grad', 'v', v, cols);
      need('spectral_norm_grad', 'g', g, n);
      if (n === 0) return;
      const ops = [operand(dy, n, 'in'), operand(out, n, 'in'), operand(u, h, 'in'), operand(v, cols, 'in'), operand(g, n, 'out')];
      marshal(ex, heap, ops, ([pd, po, pu, pv, pg]) => ex.spectral_norm_grad(pd, po, pu, pv, before, h, after, inv, pg));
    },

    // Memory-bound (one pass over the weight per product): one thread.
    power_iteration(weight, before, h, after, u, v, iters, eps) {
      const wLen = before * h * after, cols = before * after;
      need('power_iteration', 'weight', weight, wLen);
      need('power_iteration', 'u', u, h);
      need('power_iteration', 'v', v, cols);
      if (iters === 0) return NaN;
      const ops = [operand(weight, wLen, 'in'), operand(u, h, 'inout'), operand(v, cols, 'inout')];
      return marshal(ex, heap, ops, ([pw, pu, pv]) => ex.power_iteration(pw, before, h, after, pu, pv, iters, eps));
    },
  };
}
