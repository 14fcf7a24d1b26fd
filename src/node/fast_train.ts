// Files of `fast train`: the content folder (every image under --data, resized so its shorter side
// is `shortSide`, aspect kept, RGB 0–255 [1, 3, H, W]; FastTrainer draws random crops from them)
// and the style image. Errors name the folder or the file.
import { existsSync, statSync } from 'node:fs';
import { decodeImage, resizeImage, resizeLongestSide } from '../io/image.js';
import type { Tensor } from '../tensor.js';
import { readFileBytes } from './files.js';
import { IMAGE_EXTENSIONS, listImages } from './image_folder.js';

/** Resizes so the shorter side is `side` (aspect kept, the longer side rounded). */
function resizeShortSide(t: Tensor, side: number): Tensor {
  const [h, w] = t.shape.slice(-2);
  const s = side / Math.min(h, w);
  return h <= w ? resizeImage(t, side, Math.max(side, Math.round(w * s))) : resizeImage(t, Math.max(side, Math.round(h * s)), side);
}

/** The images under dir, each resized to shorter side `shortSide`; throws for a missing or empty folder or an undecodable file. */
export async function loadContentImages(dir: string, shortSide: number, what = 'content'): Promise<{ files: string[]; images: Tensor[] }> {
  if (!Number.isInteger(shortSide) || shortSide < 1) throw new RangeError(`loadContentImages: shortSide must be a positive integer, got ${shortSide}`);
  const files = listImages(dir);
  if (files.length === 0) throw new Error(`${dir}: no ${what} images (looked for ${IMAGE_EXTENSIONS.join(', ')} files, subfolders included)`);
  const images: Tensor[] = [];
  for (const file of files) images.push(resizeShortSide(await decodeImage(readFileBytes(file), file), shortSide));
  return { files, images };
}

/** An image file as RGB 0–255 [1, 3, H, W], resized to longest side `size` when given. */
export async function readImageFile(file: string, what: string, size?: number): Promise<Tensor> {
  if (!existsSync(file)) throw new Error(`${file}: no such ${what} image`);
  if (statSync(file).isDirectory()) throw new Error(`${file}: the ${what} image is a folder, not an image file`);
  const t = await decodeImage(readFileBytes(file), file);
  return size === undefined ? t : resizeLongestSide(t, size);
}
