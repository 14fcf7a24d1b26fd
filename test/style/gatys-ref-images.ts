// The reduced Gatys problem's inputs (issue: "Tübingen and Starry Night both resized to 256×192"),
// made with ganstyle's own resize (PIL-style antialiased bilinear, rounded to 8 bits) and written as
// PNGs so that ganstyle and the PyTorch reference (scripts/gatys-reference.py) read identical pixels.
//   npx tsx test/style/gatys-ref-images.ts OUT_DIR    → OUT_DIR/tubingen-256x192.png, starry_night-256x192.png
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../../src/tensor.js';
import { decodeImage, encodeImage, resizeImage } from '../../src/io/image.js';

export const REF_W = 256, REF_H = 192;
export const REF_IMAGES = [['tubingen.jpg', 'tubingen-256x192.png'], ['starry_night.jpg', 'starry_night-256x192.png']] as const;

/** Decodes, resizes to 256×192 and rounds: the exact pixels the PNGs hold. */
export async function referenceImage(sharedImages: string, file: string): Promise<Tensor> {
  const img = await decodeImage(new Uint8Array(readFileSync(path.join(sharedImages, file))), file);
  const r = resizeImage(img, REF_H, REF_W);
  return new Tensor(r.data.map((v) => Math.round(Math.min(255, Math.max(0, v)))), r.shape);
}

/** Writes both PNGs into dir; returns their paths (content, style). */
export async function writeReferenceImages(sharedImages: string, dir: string): Promise<[string, string]> {
  mkdirSync(dir, { recursive: true });
  const out: string[] = [];
  for (const [src, dst] of REF_IMAGES) {
    const p = path.join(dir, dst);
    writeFileSync(p, await encodeImage(await referenceImage(sharedImages, src), { range: [0, 255] }));
    out.push(p);
  }
  return out as [string, string];
}

// run as a script (node --test also runs every file under test/: then it does nothing)
if (process.env.NODE_TEST_CONTEXT === undefined && process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (dir === undefined) console.log('usage: npx tsx test/style/gatys-ref-images.ts OUT_DIR');
  else {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const [c, s] = await writeReferenceImages(path.resolve(here, '../../../shared/images'), dir);
  console.log(`wrote ${c} and ${s}`);
  }
}
