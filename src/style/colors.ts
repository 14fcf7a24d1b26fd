// Colour helpers of style transfer. originalColors keeps the content photo's colours: the result's
// luminance Y with the content's chrominance U, V (BT.601 YUV, as neural-style's -original_colors,
// which uses torch image's rgb2yuv/yuv2rgb). Images are RGB 0–255 tensors [1, 3, H, W] or [3, H, W].
import { Tensor } from '../tensor.js';
import { fmt, ShapeError } from '../shape.js';

/** [3, H, W] view sizes of an RGB image tensor; `what` names it in errors. */
function rgbDims(t: Tensor, what: string): [number, number] {
  const s = t.ndim === 4 && t.shape[0] === 1 ? t.shape.slice(1) : t.shape;
  if (s.length !== 3 || s[0] !== 3) throw new ShapeError(`originalColors: the ${what} must be RGB [1, 3, H, W] or [3, H, W], got ${fmt(t.shape)}`);
  return [s[1], s[2]];
}

/**
 * The stylised image's luminance on the content image's colours (both RGB 0–255, same size).
 * @example originalColors(contentRgb255, resultRgb255) // → RGB 0–255, clamped and rounded
 */
export function originalColors(content: Tensor, stylised: Tensor): Tensor {
  const [h, w] = rgbDims(content, 'content image');
  const [h2, w2] = rgbDims(stylised, 'stylised image');
  if (h !== h2 || w !== w2) throw new ShapeError(`originalColors: the content image is ${w}×${h} but the stylised image is ${w2}×${h2}`);
  const n = h * w, c = content.data, s = stylised.data;
  const out = new Float32Array(3 * n);
  const clamp = (v: number) => Math.round(Math.min(255, Math.max(0, v)));
  for (let i = 0; i < n; i++) {
    const y = 0.299 * s[i] + 0.587 * s[n + i] + 0.114 * s[2 * n + i];
    const r = c[i], g = c[n + i], b = c[2 * n + i];
    const u = -0.14713 * r - 0.28886 * g + 0.436 * b;
    const v = 0.615 * r - 0.51499 * g - 0.10001 * b;
    out[i] = clamp(y + 1.13983 * v);
    out[n + i] = clamp(y - 0.39465 * u - 0.5806 * v);
    out[2 * n + i] = clamp(y + 2.03211 * u);
  }
  return new Tensor(out, stylised.shape);
}
