// Fast style transfer: one feed-forward stylisation of a size² RGB image (no autograd), reported
// as ms per megapixel. The network is Engstrom's (the one ml5 ships) with seeded random weights in
// TF's layout, so a peer can run the very same tensors; speed does not depend on the values.
//
// FLOPs (nominal, convolutions only: instance norm, ReLU and tanh are < 1%): 2·Cout·Ho·Wo·Cin·k²
// per conv; a conv_transpose2d counts 2·Cin·H·W·Cout·k² on its input H×W. Engstrom at size² ≈
// 252 GFLOP per megapixel.
import { Tensor } from '../src/tensor.js';
import { Rng } from '../src/rng.js';
import { noGrad } from '../src/autograd.js';
import { ENGSTROM_VARIABLE_NAMES } from '../src/io/ml5_checkpoint.js';
import { EngstromNet } from '../src/fast/engstrom.js';
import { engstromStateDict } from '../src/fast/load.js';
import type { BenchCase, BenchRow, Runner } from './report.js';

export interface FastCase {
  /** The network: 'engstrom' (more may be added: each needs an entry in ganstyleFast). */
  arch: string;
  size: number;
  /** Engstrom's 48 variables in TF layout (HWIO kernels), in Variable order. */
  variables: Map<string, Tensor>;
}

/** Engstrom's variables with TF shapes: kernels N(0, 0.05²), scale ≈ 1, shift ≈ 0. */
export function engstromRandomVariables(seed: number): Map<string, Tensor> {
  const rng = new Rng(seed);
  const sd = new EngstromNet().stateDict();
  const out = new Map<string, Tensor>();
  for (const name of ENGSTROM_VARIABLE_NAMES) {
    const layer = name.slice(0, name.lastIndexOf('.'));
    if (name.endsWith('.kernel')) {
      const [a, b, kh, kw] = sd[`${layer}.weight`].shape; // OIHW (or [in, out, kh, kw]) ← [kh, kw, b, a]
      out.set(name, Tensor.randn([kh, kw, b, a], { rng, std: 0.05 }));
    } else {
      const c = sd[`${layer}.norm.weight`].shape[0];
      out.set(name, Tensor.randn([c], { rng, mean: name.endsWith('.scale') ? 1 : 0, std: 0.1 }));
    }
  }
  return out;
}

/** Nominal FLOPs of Engstrom's network on a size² image (size a multiple of 4). */
export function engstromFlops(size: number): number {
  const conv = (cin: number, cout: number, k: number, out: number) => 2 * cout * out * out * cin * k * k;
  const s = size, h = size / 2, q = size / 4;
  return conv(3, 32, 9, s) + conv(32, 64, 3, h) + conv(64, 128, 3, q) + 10 * conv(128, 128, 3, q)
    + conv(128, 64, 3, q) /* deconv1 on its q² input */ + conv(64, 32, 3, h) + conv(32, 3, 9, s);
}

export function fastCases(quick: boolean): BenchCase<FastCase>[] {
  const size = quick ? 32 : 256;
  return [{ name: 'fast_style', shape: `engstrom ${size}x${size}`, flops: engstromFlops(size), params: { arch: 'engstrom', size, variables: engstromRandomVariables(1) } }];
}

/** ganstyle's EngstromNet forward on one image (input made once, outside the timing). */
export function ganstyleFast(c: FastCase): Runner | null {
  if (c.arch !== 'engstrom') return null;
  const net = new EngstromNet();
  net.loadStateDict(engstromStateDict(c.variables, 'bench'));
  net.eval();
  const x = Tensor.rand([1, 3, c.size, c.size], { rng: new Rng(2), high: 255 });
  return { run: () => noGrad(() => net.forward(x)), dispose: () => {} };
}

/** "backend/threads: N ms/MP" for every fast_style row (the summary under the table). */
export function msPerMegapixel(rows: readonly BenchRow[]): string[] {
  return rows
    .filter((r) => r.name === 'fast_style')
    .map((r) => {
      const size = Number(/(\d+)x\d+$/.exec(r.shape)?.[1]);
      return `${r.shape} ${r.backend}/${r.threads}: ${((r.ms * 1e6) / (size * size)).toFixed(0)} ms per megapixel`;
    });
}
