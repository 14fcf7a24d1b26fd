// upsample_nearest2d   (twin: assembly/kernels/upsample_nearest2d.ts; test: test/kernels/upsample_nearest2d.prop.test.ts)
// out [planes, h·sh, w·sw] from x [planes, h, w]: out[p, i, j] = x[p, ⌊i/sh⌋, ⌊j/sw⌋] (each output row
// built once, then copied sh − 1 times). Copies only: the twin gives the same bits.

export function upsample_nearest2d(x: Float32Array, planes: number, h: number, w: number, sh: number, sw: number, out: Float32Array): void {
  const wo = w * sw;
  for (let r = 0, o = 0; r < planes * h; r++, o += sh * wo) {
    for (let j = r * w, d = o, end = j + w; j < end; j++) {
      const v = x[j];
      for (let q = 0; q < sw; q++) out[d++] = v;
    }
    for (let k = 1; k < sh; k++) out.copyWithin(o + k * wo, o, o + wo);
  }
}
