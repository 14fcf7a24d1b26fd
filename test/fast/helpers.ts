// Shared by the fast-style tests: networks with random weights (no ../shared needed), a max |a − b|.
import { Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/rng.js';
import { EngstromNet } from '../../src/fast/engstrom.js';
import { TransformerNet } from '../../src/fast/transformer_net.js';

/** EngstromNet with N(0, std²) conv weights, γ ≈ 1, β ≈ 0 (its own init is all zeros). */
export function randomEngstrom(seed: number, std = 0.1): EngstromNet {
  const rng = new Rng(seed);
  const net = new EngstromNet();
  for (const [name, p] of net.namedParameters()) {
    const base = name.endsWith('norm.weight') ? 1 : 0;
    const s = name.endsWith('.weight') && !name.includes('norm') ? std : 0.1;
    for (let i = 0; i < p.size; i++) p.data[i] = base + rng.normal(0, s);
  }
  return net.eval();
}

/** TransformerNet with torch's default init from a seeded generator, affine norms perturbed. */
export function randomTransformer(seed: number): TransformerNet {
  const rng = new Rng(seed);
  const net = new TransformerNet({ rng });
  for (const [name, p] of net.namedParameters()) {
    if (/in\d\.(weight|bias)$/.test(name)) for (let i = 0; i < p.size; i++) p.data[i] += rng.normal(0, 0.2);
  }
  return net.eval();
}

export function maxAbsDiff(a: Tensor, b: Tensor): number {
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

export function maxAbs(a: Tensor): number {
  let m = 0;
  for (const v of a.data) m = Math.max(m, Math.abs(v));
  return m;
}
