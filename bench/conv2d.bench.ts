// conv2d forward on the VGG-19 layer shapes at a 256² input: one image, 3×3, stride 1, padding 1,
// no bias — (3→64, 256²), (64→64, 256²), (128→128, 128²), (256→256, 64²), (512→512, 32²).
// FLOPs = 2·N·Cout·Ho·Wo·Cin·kh·kw. ganstyle runs its conv2d op (im2col + GEMM per output band)
// on the active backend without recording a graph.
import { Tensor } from '../src/tensor.js';
import { F } from '../src/ops/index.js';
import { Rng } from '../src/rng.js';
import { convFlops, convShape, type BenchCase, type ConvCase, type Runner } from './report.js';

export const VGG_CONV_CASES: readonly ConvCase[] = [
  { cin: 3, cout: 64, size: 256 },
  { cin: 64, cout: 64, size: 256 },
  { cin: 128, cout: 128, size: 128 },
  { cin: 256, cout: 256, size: 64 },
  { cin: 512, cout: 512, size: 32 },
];

/** Tiny shapes for `--quick` (the smoke test): the same code paths in milliseconds. */
export const QUICK_CONV_CASES: readonly ConvCase[] = [
  { cin: 3, cout: 8, size: 16 },
  { cin: 8, cout: 8, size: 8 },
];

export function convCases(quick: boolean): BenchCase<ConvCase>[] {
  return (quick ? QUICK_CONV_CASES : VGG_CONV_CASES).map((c) => ({ name: 'conv2d', shape: convShape(c), flops: convFlops(c), params: c }));
}

/** ganstyle's conv2d op on one image (inputs made once, outside the timing). */
export function ganstyleConv2d(c: ConvCase): Runner {
  const rng = new Rng(1);
  const x = Tensor.randn([1, c.cin, c.size, c.size], { rng });
  const w = Tensor.randn([c.cout, c.cin, 3, 3], { rng, std: 0.05 });
  return {
    run: () => F.conv2d(x, w, null, { padding: 1 }),
    dispose: () => {},
  };
}
