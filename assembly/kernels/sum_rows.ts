// sum_rows   (twin: src/kernels/sum_rows.ts; test: test/kernels/sum_rows.prop.test.ts)
// out[c] = Σ_r x[r, c], each column in f64 in increasing r, rounded once (bit-identical to the twin).
// Row by row into f64 accumulators in the kernel's arena: every row is read once, in order.
// x and out are byte offsets.
import { scratch_alloc, scratch_mark, scratch_release } from '../scratch';

export function sum_rows(x: usize, rows: i32, cols: i32, out: usize): void {
  assert(rows >= 0 && cols >= 0, 'sum_rows: negative size');
  const mark = scratch_mark();
  const acc = scratch_alloc(<usize>cols << 3);
  memory.fill(acc, 0, <usize>cols << 3);
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const src = x + <usize>r * rowBytes;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 4 <= cols; c += 4) {
        const v = v128.load(src + (<usize>c << 2)), p = acc + (<usize>c << 3);
        v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(v)));
        v128.store(p, f64x2.add(v128.load(p, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1))), 16);
      }
    }
    for (; c < cols; c++) {
      const p = acc + (<usize>c << 3);
      store<f64>(p, load<f64>(p) + <f64>load<f32>(src + (<usize>c << 2)));
    }
  }
  for (let c = 0; c < cols; c++) store<f32>(out + (<usize>c << 2), <f32>load<f64>(acc + (<usize>c << 3)));
  scratch_release(mark);
}
