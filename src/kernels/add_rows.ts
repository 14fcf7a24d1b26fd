// add_rows   (twin: assembly/kernels/add_rows.ts; test: test/kernels/add_rows.prop.test.ts)
// out[r, c] = a[r, c] + b[c] for a [rows, cols] and b [cols] (a bias add: the broadcast that every
// linear layer does). A float32 sum computed in float64 and rounded is the correctly rounded float32
// sum, so the twin's f32x4.add gives the same bits. out may be a.

export function add_rows(a: Float32Array, rows: number, cols: number, b: Float32Array, out: Float32Array): void {
  for (let r = 0, i = 0; r < rows; r++) for (let c = 0; c < cols; c++, i++) out[i] = a[i] + b[c];
}
