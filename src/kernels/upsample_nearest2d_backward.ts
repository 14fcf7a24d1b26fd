// upsample_nearest2d_backward   (twin: assembly/kernels/upsample_nearest2d_backward.ts; test: test/kernels/upsample_nearest2d_backward.prop.test.ts)
// The adjoint of upsample_nearest2d: out [planes, h, w] from dy [planes, h·sh, w·sw], each element the
// float32 sum of its sh×sw block, rows a then columns b in order: ((dy[a=0,b=0] + dy[0,1]) + …) + dy[sh−1, sw−1].
// out is overwritten; the twin gives the same bits.

export function upsample_nearest2d_backward(dy: Float32Array, planes: number, h: number, w: number, sh: number, sw: number, out: Float32Array): void {
  const wo = w * sw;
  for (let r = 0; r < planes * h; r++) {
    const top = r * sh * wo;
    for (let c = 0; c < w; c++) {
      let s = 0;
      for (let a = 0; a < sh; a++) {
        for (let b = 0, j = top + a * wo + c * sw; b < sw; b++, j++) s = Math.fround(s + dy[j]);
      }
      out[r * w + c] = s;
    }
  }
}
