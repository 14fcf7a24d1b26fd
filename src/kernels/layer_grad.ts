// layer_grad   (twin: assembly/kernels/layer_grad.ts; test: test/kernels/layer_grad.prop.test.ts)
// One Gatys loss layer's gradient, elementwise over n floats (src/style/losses.ts's layerGrad):
//   v = float32(kc·(f − p))         with a content target p (else v = 0),
//   v = float32(v + ks·sf)          with the style term's product sf = S·F (else v stays),
//   out = accumulate ? float32(out + v) : v.
// Each step is computed in float64 and rounded where float32() says; the twin's f64x2 lanes do the
// same operations and round at the same places, so both give the same bits.

export function layer_grad(n: number, f: Float32Array, p: Float32Array | null, kc: number, sf: Float32Array | null, ks: number,
  out: Float32Array, accumulate: boolean): void {
  for (let j = 0; j < n; j++) {
    const cg = p === null ? 0 : Math.fround(kc * (f[j] - p[j]));
    const v = sf === null ? cg : Math.fround(cg + ks * sf[j]);
    out[j] = accumulate ? out[j] + v : v;
  }
}
