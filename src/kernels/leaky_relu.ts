// leaky_relu   (twin: assembly/kernels/leaky_relu.ts; test: test/kernels/leaky_relu.prop.test.ts)
// Forward (dy null): out[i] = x[i]·k,           k = x[i] > 0 ? 1 : slope
// Backward:          out[i] = dy[i]·k + 0       (the + 0 turns −0 into torch's +0 gradient)
// Products in float64 (slope is a double), rounded to float32 once: the WASM twin's f64x2 lanes give
// the same bits. NaN in x takes the slope branch (NaN > 0 is false), as torch. out may be x or dy.
// A select by a 0/1 index instead of a branch: activations are ≈ half negative, and a mispredicted
// branch costs more than the whole loop body.

export function leaky_relu(x: Float32Array, dy: Float32Array | null, n: number, slope: number, out: Float32Array): void {
  const k = Float64Array.of(slope, 1);
  if (dy === null) for (let i = 0; i < n; i++) out[i] = x[i] * k[+(x[i] > 0)];
  else for (let i = 0; i < n; i++) out[i] = dy[i] * k[+(x[i] > 0)] + 0;
}
