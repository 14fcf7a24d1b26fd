// axpby   (twin: assembly/kernels/axpby.ts; test: test/kernels/axpby.prop.test.ts)
// out[i] = a·x[i] + b·y[i] for i < n, or a·x[i] when y is null: computed in float64 and rounded to
// float32 once (what a JS loop storing into a Float32Array does), so the WASM twin, whose f64x2
// lanes are IEEE too, is bit-identical. out may be x or y (each element is read before it is written).
// Spectral norm's W/σ (y null), the weight EMA θ̄ ← β·θ̄ + (1 − β)·θ.

export function axpby(x: Float32Array, a: number, y: Float32Array | null, b: number, n: number, out: Float32Array): void {
  if (y === null) for (let i = 0; i < n; i++) out[i] = a * x[i];
  else for (let i = 0; i < n; i++) out[i] = a * x[i] + b * y[i];
}
