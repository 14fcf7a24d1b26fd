// Image I/O: the only module that imports jimp. Bytes in, bytes out (no file system here).
// Tensors are NCHW float; decode gives RGB 0–255, encode takes a value range to map to 0–255.
import { Jimp } from 'jimp';
import ndarray from 'ndarray';
import { Tensor } from '../tensor.js';
import { fmt, ShapeError } from '../shape.js';

export type Mime = 'image/png' | 'image/jpeg';

/** Decodes PNG/JPEG (and what else jimp reads) to [1, 3, H, W] RGB in 0–255; alpha is composited on white. */
export async function decodeImage(bytes: Uint8Array, name = 'image'): Promise<Tensor> {
  let img;
  try {
    img = await Jimp.fromBuffer(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  } catch (e) {
    throw new Error(`${name}: cannot decode image (${(e as Error).message})`);
  }
  const { width: w, height: h, data } = img.bitmap;
  const rgba = ndarray(data, [h, w, 4]);
  const out = new Float32Array(3 * h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const a = rgba.get(y, x, 3) / 255;
      for (let c = 0; c < 3; c++) out[(c * h + y) * w + x] = rgba.get(y, x, c) * a + 255 * (1 - a);
    }
  }
  return new Tensor(out, [1, 3, h, w]);
}

/**
 * Encodes an image tensor [C, H, W] or [1, C, H, W] (C = 1 or 3) whose values span `range`
 * (e.g. [0, 1], [-1, 1], [0, 255]) to PNG or JPEG bytes; values are clamped and rounded.
 */
export async function encodeImage(t: Tensor, opts: { range?: [number, number]; mime?: Mime; quality?: number } = {}): Promise<Uint8Array> {
  const shape = t.ndim === 4 && t.shape[0] === 1 ? t.shape.slice(1) : t.shape;
  if (shape.length !== 3 || (shape[0] !== 1 && shape[0] !== 3)) {
    throw new ShapeError(`encodeImage: expected [C, H, W] or [1, C, H, W] with C = 1 or 3, got ${fmt(t.shape)}`);
  }
  const [c, h, w] = shape;
  const [lo, hi] = opts.range ?? [0, 1];
  const rgba = new Uint8Array(4 * h * w);
  const view = ndarray(rgba, [h, w, 4]);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < 3; k++) {
        const v = t.data[((c === 1 ? 0 : k) * h + y) * w + x];
        view.set(y, x, k, Math.round(Math.min(255, Math.max(0, ((v - lo) / (hi - lo)) * 255))));
      }
      view.set(y, x, 3, 255);
    }
  }
  const img = Jimp.fromBitmap({ width: w, height: h, data: Buffer.from(rgba.buffer) });
  const mime = opts.mime ?? 'image/png';
  const buf = mime === 'image/jpeg' ? await img.getBuffer('image/jpeg', { quality: opts.quality ?? 92 }) : await img.getBuffer('image/png');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** torchvision.utils.make_grid: [N, C, H, W] → [C, rows·(H+p)+p, nrow·(W+p)+p], padding filled with `pad`. */
export function makeGrid(batch: Tensor, opts: { nrow?: number; padding?: number; pad?: number } = {}): Tensor {
  if (batch.ndim !== 4) throw new ShapeError(`makeGrid: expected [N, C, H, W], got ${fmt(batch.shape)}`);
  const [n, c, h, w] = batch.shape;
  const nrow = Math.min(opts.nrow ?? 8, n), p = opts.padding ?? 2;
  const rows = Math.ceil(n / nrow);
  const gh = rows * (h + p) + p, gw = nrow * (w + p) + p;
  const out = new Float32Array(c * gh * gw).fill(opts.pad ?? 0);
  for (let i = 0; i < n; i++) {
    const oy = p + Math.floor(i / nrow) * (h + p), ox = p + (i % nrow) * (w + p);
    for (let k = 0; k < c; k++) {
      for (let y = 0; y < h; y++) {
        const src = ((i * c + k) * h + y) * w;
        out.set(batch.data.subarray(src, src + w), (k * gh + oy + y) * gw + ox);
      }
    }
  }
  return new Tensor(out, [c, gh, gw]);
}

/** [C, H, W] view of an image tensor [C, H, W] or [1, C, H, W]; `op` names the caller in errors. */
function chw(op: string, t: Tensor): [number, number, number] {
  const shape = t.ndim === 4 && t.shape[0] === 1 ? t.shape.slice(1) : t.shape;
  if (shape.length !== 3) throw new ShapeError(`${op}: expected an image [C, H, W] or [1, C, H, W], got ${fmt(t.shape)}`);
  return [shape[0], shape[1], shape[2]];
}

/** The centred square of side min(H, W) (torchvision center_crop to the short side); keeps the rank. */
export function centerCropSquare(t: Tensor): Tensor {
  const [c, h, w] = chw('centerCropSquare', t);
  const s = Math.min(h, w), oy = Math.floor((h - s) / 2), ox = Math.floor((w - s) / 2);
  const out = new Float32Array(c * s * s);
  for (let k = 0; k < c; k++) {
    for (let y = 0; y < s; y++) {
      const src = (k * h + oy + y) * w + ox;
      out.set(t.data.subarray(src, src + s), (k * s + y) * s);
    }
  }
  return new Tensor(out, t.ndim === 4 ? [1, c, s, s] : [c, s, s]);
}

/**
 * Per output index: the input taps and normalised weights of an antialiased linear resize of n
 * samples to m (PIL's BILINEAR resampling: the triangle filter widened by the scale when shrinking).
 */
function resizeTaps(n: number, m: number): { start: Int32Array; weights: Float64Array[] } {
  const scale = n / m, fs = Math.max(scale, 1), support = fs;
  const start = new Int32Array(m), weights: Float64Array[] = [];
  for (let i = 0; i < m; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(Math.floor(center - support + 0.5), 0), hi = Math.min(Math.floor(center + support + 0.5), n);
    const w = new Float64Array(hi - lo);
    let sum = 0;
    for (let x = lo; x < hi; x++) sum += (w[x - lo] = Math.max(0, 1 - Math.abs((x - center + 0.5) / fs)));
    for (let j = 0; j < w.length; j++) w[j] /= sum;
    start[i] = lo;
    weights.push(w);
  }
  return { start, weights };
}

/**
 * Resizes an image [C, H, W] or [1, C, H, W] to [.., height, width] with antialiased bilinear
 * interpolation (PIL's Image.resize(BILINEAR); torchvision resize with antialias=True); keeps the rank.
 */
export function resizeImage(t: Tensor, height: number, width: number): Tensor {
  const [c, h, w] = chw('resizeImage', t);
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new RangeError(`resizeImage: the size must be positive integers, got ${height} × ${width}`);
  }
  const tx = resizeTaps(w, width), ty = resizeTaps(h, height);
  const rows = new Float64Array(c * h * width);
  for (let k = 0; k < c; k++) {
    for (let y = 0; y < h; y++) {
      const src = (k * h + y) * w;
      for (let x = 0; x < width; x++) {
        const wt = tx.weights[x], s0 = src + tx.start[x];
        let acc = 0;
        for (let j = 0; j < wt.length; j++) acc += wt[j] * t.data[s0 + j];
        rows[(k * h + y) * width + x] = acc;
      }
    }
  }
  const out = new Float32Array(c * height * width);
  for (let k = 0; k < c; k++) {
    for (let y = 0; y < height; y++) {
      const wt = ty.weights[y], y0 = ty.start[y];
      for (let x = 0; x < width; x++) {
        let acc = 0;
        for (let j = 0; j < wt.length; j++) acc += wt[j] * rows[(k * h + y0 + j) * width + x];
        out[(k * height + y) * width + x] = acc;
      }
    }
  }
  return new Tensor(out, t.ndim === 4 ? [1, c, height, width] : [c, height, width]);
}

/** RGB [3, H, W] or [1, 3, H, W] → luma [.., 1, H, W] = 0.299 R + 0.587 G + 0.114 B (PIL's convert('L') weights). */
export function toGrayscale(t: Tensor): Tensor {
  const [c, h, w] = chw('toGrayscale', t);
  if (c !== 3) throw new ShapeError(`toGrayscale: expected 3 channels, got ${fmt(t.shape)}`);
  const n = h * w, out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 0.299 * t.data[i] + 0.587 * t.data[n + i] + 0.114 * t.data[2 * n + i];
  return new Tensor(out, t.ndim === 4 ? [1, 1, h, w] : [1, h, w]);
}

/**
 * Resizes so that the longest side is `size`, keeping the aspect ratio (sides rounded, ≥ 1);
 * an image whose longest side already equals `size` is returned as is (pixel for pixel).
 */
export function resizeLongestSide(t: Tensor, size: number): Tensor {
  const [, h, w] = chw('resizeLongestSide', t);
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`resizeLongestSide: size must be a positive integer, got ${size}`);
  if (Math.max(h, w) === size) return t;
  const scale = size / Math.max(h, w);
  return resizeImage(t, h >= w ? size : Math.max(1, Math.round(h * scale)), w >= h ? size : Math.max(1, Math.round(w * scale)));
}

/** The image type of a file name by its extension: .jpg/.jpeg → JPEG, .png → PNG, else undefined. */
export function mimeForFileName(name: string): Mime | undefined {
  const ext = /\.([^./\\]+)$/.exec(name)?.[1]?.toLowerCase();
  return ext === 'png' ? 'image/png' : ext === 'jpg' || ext === 'jpeg' ? 'image/jpeg' : undefined;
}
