// GAN objectives on discriminator logits (critic scores for wgan-gp). Targets are real → 1 and fake
// → 0 for D; G uses the non-saturating form (fake → 1) unless the loss says otherwise.
//   bce:     D = BCE(D(x), 1) + BCE(D(G(z)), 0);             G = BCE(D(G(z)), 1)
//   lsgan:   D = ½·mean((D(x) − 1)²) + ½·mean(D(G(z))²);      G = ½·mean((D(G(z)) − 1)²)
//   hinge:   D = mean(relu(1 − D(x))) + mean(relu(1 + D(G(z))));  G = −mean(D(G(z)))
//   wgan-gp: D = mean(D(G(z))) − mean(D(x)) + λ·GP;           G = −mean(D(G(z)))
// realLabel < 1 is one-sided label smoothing (the real target of bce and lsgan, the real margin of
// hinge); it has no meaning for wgan-gp.
// GP (Gulrajani et al. 2017): x̂ = α·x + (1 − α)·G(z), α ~ U(0, 1) per sample,
//   GP = mean_i (‖∇x̂ D(x̂)_i‖₂ − 1)², the gradient taken with createGraph so GP trains D.
import { Tensor } from '../tensor.js';
import { F } from '../ops/index.js';
import { grad } from '../autograd.js';

export type GanLoss = 'bce' | 'lsgan' | 'hinge' | 'wgan-gp';
export const GAN_LOSSES: GanLoss[] = ['bce', 'lsgan', 'hinge', 'wgan-gp'];

/** D's loss without the gradient penalty (add gradientPenalty for wgan-gp). */
export function discriminatorLoss(kind: GanLoss, realLogits: Tensor, fakeLogits: Tensor, realLabel = 1): Tensor {
  switch (kind) {
    case 'bce':
      return F.add(
        F.binary_cross_entropy_with_logits(realLogits, Tensor.full(realLogits.shape, realLabel)),
        F.binary_cross_entropy_with_logits(fakeLogits, Tensor.zeros(fakeLogits.shape)),
      );
    case 'lsgan':
      return F.mul(F.add(F.mse_loss(realLogits, Tensor.full(realLogits.shape, realLabel)), F.mse_loss(fakeLogits, Tensor.zeros(fakeLogits.shape))), 0.5);
    case 'hinge':
      return F.add(F.mean(F.relu(F.sub(realLabel, realLogits))), F.mean(F.relu(F.add(fakeLogits, 1))));
    case 'wgan-gp':
      if (realLabel !== 1) throw new RangeError(`discriminatorLoss: label smoothing (realLabel ${realLabel}) has no meaning for wgan-gp`);
      return F.sub(F.mean(fakeLogits), F.mean(realLogits));
    default:
      throw new RangeError(`discriminatorLoss: unknown loss '${kind as string}' (known: ${GAN_LOSSES.join(', ')})`);
  }
}

export function generatorLoss(kind: GanLoss, fakeLogits: Tensor): Tensor {
  switch (kind) {
    case 'bce':
      return F.binary_cross_entropy_with_logits(fakeLogits, Tensor.ones(fakeLogits.shape));
    case 'lsgan':
      return F.mul(F.mse_loss(fakeLogits, Tensor.ones(fakeLogits.shape)), 0.5);
    case 'hinge':
    case 'wgan-gp':
      return F.mul(F.mean(fakeLogits), -1);
    default:
      throw new RangeError(`generatorLoss: unknown loss '${kind as string}' (known: ${GAN_LOSSES.join(', ')})`);
  }
}

/**
 * The interpolates x̂ = α·real + (1 − α)·fake (α [N], one per sample) as a leaf that requires grad.
 * real and fake are read as values (fake is not differentiated through).
 */
export function interpolate(real: Tensor, fake: Tensor, alpha: Float32Array): Tensor {
  const n = real.shape[0], per = real.size / n;
  if (fake.size !== real.size || alpha.length !== n) throw new RangeError(`interpolate: real ${real.shape}, fake ${fake.shape} and ${alpha.length} α values do not match`);
  const out = new Float32Array(real.size);
  for (let i = 0; i < n; i++) {
    const a = alpha[i];
    for (let j = i * per; j < (i + 1) * per; j++) out[j] = a * real.data[j] + (1 - a) * fake.data[j];
  }
  return new Tensor(out, real.shape, true);
}

/**
 * mean_i (‖∂(Σ D(x̂))/∂x̂_i‖₂ − 1)² for x̂ a leaf that requires grad; differentiable w.r.t. D's
 * parameters (double backward). `critic` maps x̂ to scores [N].
 */
export function gradientPenalty(critic: (x: Tensor) => Tensor, xHat: Tensor): Tensor {
  if (!xHat.requiresGrad) throw new Error('gradientPenalty: the interpolates must require grad');
  const scores = critic(xHat);
  const [g] = grad(F.sum(scores), [xHat], { createGraph: true });
  const n = xHat.shape[0];
  const sq = F.sum(F.mul(g!, g!).reshape(n, -1), { dim: [1] });
  // + 1e-12 keeps ∂‖g‖ finite where a gradient vanishes (sqrt'(0) = ∞); negligible otherwise.
  const norm = F.sqrt(F.add(sq, 1e-12));
  const d = F.sub(norm, 1);
  return F.mean(F.mul(d, d));
}
