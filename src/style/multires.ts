// Coarse-to-fine ("multires") schedule of style transfer: optimise a small image first, then
// upsample the result as the start of the next, larger level; large structures form cheaply at
// low resolution and the fine levels only refine them. Level i of L works at size / 2^(L−1−i).

/**
 * Longest sides of the levels, coarsest first, ending with `size`.
 * @example pyramidSizes(512, 3) // [128, 256, 512]
 */
export function pyramidSizes(size: number, levels: number): number[] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`style transfer: size must be a positive integer, got ${size}`);
  if (!Number.isInteger(levels) || levels < 1) throw new RangeError(`style transfer: multires levels must be a positive integer, got ${levels}`);
  const out: number[] = [];
  for (let i = levels - 1; i >= 0; i--) out.push(Math.max(1, Math.round(size / 2 ** i)));
  if (new Set(out).size !== out.length) throw new RangeError(`style transfer: ${levels} levels are too many for size ${size} (levels ${out.join(', ')})`);
  return out;
}
