// A folder of images as a training set (`--data DIR`): every PNG/JPEG/BMP/GIF/TIFF file under the
// folder (subfolders included, sorted by path, hidden entries skipped) is decoded, centre-cropped to
// a square, resized to size × size (antialiased bilinear) and converted to grayscale or RGB,
// giving an ImageSet { images [count, C·H·W] in [0, 1], count, shape [C, H, W] }.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { centerCropSquare, decodeImage, resizeImage, toGrayscale } from '../io/image.js';
import type { ImageSet } from '../gan/train.js';
import { readFileBytes } from './files.js';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.bmp', '.gif', '.tif', '.tiff'];

export interface ImageFolderOptions {
  /** Output side in pixels (default 28, the MNIST size). */
  size?: number;
  /** 1 = grayscale (luma), 3 = RGB (default 1). */
  channels?: 1 | 3;
  /** Read at most this many images (the first ones in path order). */
  limit?: number;
  /** Called after each image. */
  onProgress?: (done: number, total: number) => void;
}

/** The image files under dir, sorted; throws if dir is missing or not a folder. */
export function listImages(dir: string): string[] {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new Error(`${dir}: no such folder`);
  }
  if (!st.isDirectory()) throw new Error(`${dir}: not a folder`);
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (IMAGE_EXTENSIONS.includes(path.extname(e.name).toLowerCase())) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** Loads a folder of images (see the header); errors name the folder or the offending file. */
export async function loadImageFolder(dir: string, opts: ImageFolderOptions = {}): Promise<ImageSet> {
  const size = opts.size ?? 28, channels = opts.channels ?? 1;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`loadImageFolder: size must be a positive integer, got ${size}`);
  if (channels !== 1 && channels !== 3) throw new RangeError(`loadImageFolder: channels must be 1 or 3, got ${String(channels)}`);
  let files = listImages(dir);
  if (files.length === 0) throw new Error(`${dir}: no images (looked for ${IMAGE_EXTENSIONS.join(', ')} files)`);
  if (opts.limit !== undefined) files = files.slice(0, Math.max(1, Math.floor(opts.limit)));
  const px = channels * size * size;
  const images = new Float32Array(files.length * px);
  for (const [i, file] of files.entries()) {
    const rgb = await decodeImage(readFileBytes(file), file); // [1, 3, H, W] in 0–255
    let t = resizeImage(centerCropSquare(rgb), size, size);
    if (channels === 1) t = toGrayscale(t);
    for (let j = 0; j < px; j++) images[i * px + j] = Math.min(1, Math.max(0, t.data[j] / 255));
    opts.onProgress?.(i + 1, files.length);
  }
  return { images, count: files.length, shape: [channels, size, size] };
}
