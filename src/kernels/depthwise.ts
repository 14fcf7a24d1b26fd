// depthwise   (twin: assembly/kernels/depthwise.ts; test: test/kernels/depthwise.prop.test.ts)
// Depthwise conv: groups = Cin, weight [Cin·M, 1, kh, kw] with channel multiplier M = Cout / Cin;
// output channel o = c·M + j reads input channel c only (ConvGeom in conv2d's terms, groups = cin):
//   y[b, o, i, j′] = Σ_{u,v} wt[o, u, v] · x[b, c, i·sh − ph + u·dh, j′·sw − pw + v·dw]   (0 outside)
// Its adjoints in x ('input') and in wt ('weight') come with it; each overwrites its output.
// It is memory-bound (kh·kw multiply-adds per output), so it has its own kernel instead of a
// groups-strided GEMM with K = kh·kw.
import { convSizes, type ConvGeom, type ConvLoopKind } from './conv.js';

const FORWARD = 0, INPUT = 1, WEIGHT = 2;

/** The one tap loop of all three (mode picks which operand accumulates). */
function taps(mode: number, x: Float32Array, wt: Float32Array, y: Float32Array, g: ConvGeom): void {
  const m = g.cout / g.cin, hw = g.h * g.w, howo = g.ho * g.wo, kk = g.kh * g.kw;
  for (let b = 0; b < g.n; b++) {
    for (let o = 0; o < g.cout; o++) {
      const xp = (b * g.cin + Math.floor(o / m)) * hw, yp = (b * g.cout + o) * howo, wp = o * kk;
      for (let i = 0; i < g.ho; i++) {
        for (let u = 0; u < g.kh; u++) {
          const iy = i * g.sh - g.ph + u * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (let v = 0; v < g.kw; v++) {
            const wi = wp + u * g.kw + v;
            for (let j = 0; j < g.wo; j++) {
              const ix = j * g.sw - g.pw + v * g.dw;
              if (ix < 0 || ix >= g.w) continue;
              const xi = xp + iy * g.w + ix, yi = yp + i * g.wo + j;
              if (mode === FORWARD) y[yi] += wt[wi] * x[xi];
              else if (mode === INPUT) x[xi] += wt[wi] * y[yi];
              else wt[wi] += x[xi] * y[yi];
            }
          }
        }
      }
    }
  }
}

/** Throws unless g is depthwise (groups = Cin, Cout a multiple of Cin). */
export function checkDepthwise(op: string, g: ConvGeom): void {
  if (g.groups !== g.cin || g.cout % g.cin !== 0) throw new RangeError(`${op}: not a depthwise geometry (groups ${g.groups}, Cin ${g.cin}, Cout ${g.cout})`);
}

/**
 * depthwise('forward', x, wt, g, y): y [N, Cout, Ho, Wo] from x [N, Cin, H, W] and wt [Cout, 1, kh, kw];
 * depthwise('input', dy, wt, g, dx): the adjoint in x; depthwise('weight', x, dy, g, dw): the adjoint in wt.
 */
export function depthwise(kind: ConvLoopKind, a: Float32Array, b: Float32Array, g: ConvGeom, out: Float32Array): void {
  checkDepthwise('depthwise', g);
  const s = convSizes(g);
  if (kind === 'forward') {
    out.fill(0, 0, s.y);
    taps(FORWARD, a, b, out, g);
  } else if (kind === 'input') {
    out.fill(0, 0, s.x);
    taps(INPUT, out, b, a, g);
  } else {
    out.fill(0, 0, s.w);
    taps(WEIGHT, a, out, b, g);
  }
}
