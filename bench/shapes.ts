// Benchmark shapes taken from real layers (C12), XNNPACK-style: square GEMMs for the roofline, and
// the MLP GAN's 784 ↔ 1024 layers at batch 64 (linear = x·Wᵀ, so forward is NT; its grads are
// NN / TN; the bench runs every shape in all four transpose variants anyway).

export interface GemmShape {
  /** Where the shape comes from. */
  name: string;
  m: number;
  n: number;
  k: number;
}

export type Variant = 'NN' | 'NT' | 'TN' | 'TT';
export const VARIANTS: readonly Variant[] = ['NN', 'NT', 'TN', 'TT'];

export const GEMM_SQUARE: readonly GemmShape[] = [128, 256, 512, 1024].map((s) => ({ name: `square ${s}`, m: s, n: s, k: s }));

export const GEMM_MLP_GAN: readonly GemmShape[] = [
  { name: 'mlp-gan D fc1 forward (64×784 → 1024)', m: 64, n: 1024, k: 784 },
  { name: 'mlp-gan G fc-out forward (64×1024 → 784)', m: 64, n: 784, k: 1024 },
  { name: 'mlp-gan fc1 weight grad (1024×64 · 64×784)', m: 1024, n: 784, k: 64 },
];

export const GEMM_SHAPES = { square: GEMM_SQUARE, mlp: GEMM_MLP_GAN, all: [...GEMM_SQUARE, ...GEMM_MLP_GAN] } as const;

export const shapeLabel = (s: GemmShape): string => `${s.m}×${s.n}×${s.k}`;
export const gemmFlops = (s: GemmShape): number => 2 * s.m * s.n * s.k;
