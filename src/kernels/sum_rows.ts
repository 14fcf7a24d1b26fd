// sum_rows   (twin: assembly/kernels/sum_rows.ts; test: test/kernels/sum_rows.prop.test.ts)
// out[c] = Σ_r x[r, c] over x [rows, cols] (the bias gradient: a sum over the batch), each column
// summed in float64 in increasing r and rounded to float32 once — the order of the sum op's
// general loop, so the twin (f64x2 accumulators, same order) gives the same bits.

export function sum_rows(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
  const acc = new Float64Array(cols);
  for (let r = 0, i = 0; r < rows; r++) for (let c = 0; c < cols; c++, i++) acc[c] += x[i];
  for (let c = 0; c < cols; c++) out[c] = acc[c];
}
