// ceiling: the in-process f32x4 throughput this engine reaches (bench helper; not a Kernels member).
// `chains` independent recurrences acc_i ← acc_i·va + vb (one f32x4.mul + one f32x4.add each,
// 8 flops) run `iters` times, all in registers. The GEMM micro-kernel issues the same mul/add mix,
// so GFLOP/s = 8 · chains · iters / seconds is the number gemm is judged against (bench/ceiling.ts).
// va < 1 makes every chain converge to vb/(1 − va): no overflow, no denormals. Returns a lane sum so
// no chain is dead code. chains ≤ 8 / ≤ 10 / more run 8, 10 or 12 recurrences: each is mul→add deep,
// so 8 are latency-bound, 12 saturate the FP pipes (13 spilled on V8's 15 XMM registers: measured
// 45 vs 54 GFLOP/s). The scalar build runs 8 f32 recurrences (2 flops each), whatever `chains` says.
import { muladd } from '../simd';

// @ts-ignore: decorator
@inline function step(acc: v128, va: v128, vb: v128): v128 {
  return muladd(vb, acc, va); // acc·va + vb: the gemm micro-kernel's operation (fused in the relaxed build)
}

export function ceiling(iters: i32, chains: i32): f32 {
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(0.999), vb = f32x4.splat(0.001);
    let x0 = f32x4.splat(0.1), x1 = f32x4.splat(0.2), x2 = f32x4.splat(0.3), x3 = f32x4.splat(0.4);
    let x4 = f32x4.splat(0.5), x5 = f32x4.splat(0.6), x6 = f32x4.splat(0.7), x7 = f32x4.splat(0.8);
    let x8 = f32x4.splat(0.9), x9 = f32x4.splat(1.0), x10 = f32x4.splat(1.1), x11 = f32x4.splat(1.2);
    if (chains <= 8) {
      for (let i = 0; i < iters; i++) {
        x0 = step(x0, va, vb); x1 = step(x1, va, vb); x2 = step(x2, va, vb); x3 = step(x3, va, vb);
        x4 = step(x4, va, vb); x5 = step(x5, va, vb); x6 = step(x6, va, vb); x7 = step(x7, va, vb);
      }
    } else if (chains <= 10) {
      for (let i = 0; i < iters; i++) {
        x0 = step(x0, va, vb); x1 = step(x1, va, vb); x2 = step(x2, va, vb); x3 = step(x3, va, vb);
        x4 = step(x4, va, vb); x5 = step(x5, va, vb); x6 = step(x6, va, vb); x7 = step(x7, va, vb);
        x8 = step(x8, va, vb); x9 = step(x9, va, vb);
      }
    } else {
      for (let i = 0; i < iters; i++) {
        x0 = step(x0, va, vb); x1 = step(x1, va, vb); x2 = step(x2, va, vb); x3 = step(x3, va, vb);
        x4 = step(x4, va, vb); x5 = step(x5, va, vb); x6 = step(x6, va, vb); x7 = step(x7, va, vb);
        x8 = step(x8, va, vb); x9 = step(x9, va, vb); x10 = step(x10, va, vb); x11 = step(x11, va, vb);
      }
    }
    const s = f32x4.add(f32x4.add(f32x4.add(x0, x1), f32x4.add(x2, x3)), f32x4.add(f32x4.add(x4, x5), f32x4.add(x6, x7)));
    const t = f32x4.add(f32x4.add(s, f32x4.add(x8, x9)), f32x4.add(x10, x11));
    return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1) + f32x4.extract_lane(t, 2) + f32x4.extract_lane(t, 3);
  } else {
    let x0: f32 = 0.1, x1: f32 = 0.2, x2: f32 = 0.3, x3: f32 = 0.4, x4: f32 = 0.5, x5: f32 = 0.6, x6: f32 = 0.7, x7: f32 = 0.8;
    const va: f32 = 0.999, vb: f32 = 0.001;
    for (let i = 0; i < iters; i++) {
      x0 = x0 * va + vb; x1 = x1 * va + vb; x2 = x2 * va + vb; x3 = x3 * va + vb;
      x4 = x4 * va + vb; x5 = x5 * va + vb; x6 = x6 * va + vb; x7 = x7 * va + vb;
    }
    return x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
  }
}
