// Helpers for the GANs on top of the cat / narrow ops: torch.cat over a list, torch.split by rows,
// and one-hot label rows (conditioning inputs, one D pass over real and fake).
import { Tensor } from '../tensor.js';
import { cat } from '../ops/cat.js';
import { narrow } from '../ops/narrow.js';
import { ShapeError } from '../shape.js';

/** torch.cat(list, dim) for one or more tensors. */
export function catAll(tensors: Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ShapeError('cat: expected at least one tensor');
  return tensors.slice(1).reduce((acc, t) => cat(acc, t, { dim }), tensors[0]);
}

/** Splits x along dim 0 into parts of the given sizes (torch.split with a list). */
export function splitRows(x: Tensor, sizes: number[]): Tensor[] {
  let start = 0;
  return sizes.map((length) => {
    const part = narrow(x, { dim: 0, start, length });
    start += length;
    return part;
  });
}

/** One-hot rows [N, numClasses] for integer labels; RangeError naming the bad label. */
export function oneHot(labels: ArrayLike<number>, numClasses: number): Tensor {
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) throw new RangeError(`oneHot: label ${y} at index ${i} is not an integer in [0, ${numClasses})`);
    out[i * numClasses + y] = 1;
  }
  return new Tensor(out, [labels.length, numClasses]);
}
