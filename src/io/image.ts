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
