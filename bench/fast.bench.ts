// Fast style transfer: one feed-forward stylisation of a size² RGB image (no autograd), reported
// as ms per megapixel. Engstrom's network (the one ml5 ships) with seeded random weights in TF's
// layout, so a peer can run the very same tensors, and the light `--arch mobile` network
// (depthwise-separable, src/fast/mobile_net.ts; ganstyle only) with seeded random weights; speed
// does not depend on the values.
//
// FLOPs (nominal, convolutions only): 2·Cout·Ho·Wo·(Cin/groups)·k² per conv; a conv_transpose2d
// counts 2·Cin·H·W·Cout·k² on its input H×W. Engstrom at size² ≈ 252 GFLOP per megapixel, the
// light network ≈ 36 (its elementwise work — instance norm, ReLU over 256-channel tensors — is
// not counted and weighs far more there than in Engstrom's).
import { Tensor } from '../src/tensor.js';
import { Rng } from '../src/rng.js';
import { ENGSTROM_VARIABLE_NAMES } from '../src/io/ml5_checkpoint.js';
import { EngstromNet } from '../src/fast/engstrom.js';
import { MobileStyleNet } from '../src/fast/mobile_net.js';
import { stylize } from '../src/fast/tiled.js';
import { engstromStateDict } from '../src/fast/load.js';
import type { BenchCase, BenchRow, Runner } from './report.js';

export interface FastCase {
  /** The network: 'engstrom' or 'mobile' (each has an entry in ganstyleFast). */
  arch: 'engstrom' | 'mobile';
  size: number;
  /** Engstrom's 48 variables in TF layout (HWIO kernels), in Variable order (empty for 'mobile'). */
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

/** Nominal FLOPs of the light network on a size² image (size a multiple of 4). */
export function mobileFlops(size: number): number {
  // per conv at output side `out`: 2·Cout·out²·(Cin/groups)·k²; depthwise: groups = Cin = Cout
  const conv = (cin: number, cout: number, k: number, out: number) => 2 * cout * out * out * cin * k * k;
  const dw = (c: number, k: number, out: number) => 2 * c * out * out * k * k;
  const s = size, h = size / 2, q = size / 4;
  return conv(3, 16, 9, s)
    + dw(16, 3, h) + conv(16, 32, 1, h) + dw(32, 3, q) + conv(32, 64, 1, q) // down1, down2
    + 5 * (conv(64, 256, 1, q) + dw(256, 3, q) + conv(256, 64, 1, q)) // inverted residuals
    + dw(64, 3, h) + conv(64, 32, 1, h) + dw(32, 3, s) + conv(32, 16, 1, s) // up1, up2
    + dw(16, 9, s) + conv(16, 3, 1, s); // out
}

export function fastCases(quick: boolean): BenchCase<FastCase>[] {
  const size = quick ? 32 : 256;
  return [
    { name: 'fast_style', shape: `engstrom ${size}x${size}`, flops: engstromFlops(size), params: { arch: 'engstrom', size, variables: engstromRandomVariables(1) } },
    { name: 'fast_style', shape: `mobile ${size}x${size}`, flops: mobileFlops(size), params: { arch: 'mobile', size, variables: new Map() } },
  ];
}

/**
 * ganstyle's stylisation of one image by the case's network, as a user calls it (src/fast/tiled.ts
 * stylize: the forward in a result scope, the output copied out; input made once, outside the timing).
 */
export function ganstyleFast(c: FastCase): Runner {
  let net: EngstromNet | MobileStyleNet;
  if (c.arch === 'engstrom') {
    net = new EngstromNet();
    net.loadStateDict(engstromStateDict(c.variables, 'bench'));
  } else {
    net = new MobileStyleNet({ rng: new Rng(1) });
  }
  net.eval();
  const x = Tensor.rand([1, 3, c.size, c.size], { rng: new Rng(2), high: 255 });
  return { run: () => stylize(net, x), dispose: () => {} };
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
