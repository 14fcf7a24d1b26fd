// GAN objectives on discriminator logits. Targets are real → 1 and fake → 0 for D (the fake term
// never "ones for both"); G uses the non-saturating form (fake → 1) unless the loss says otherwise.
//   bce:   D = BCE(D(x), 1) + BCE(D(G(z)), 0);            G = BCE(D(G(z)), 1)
//   lsgan: D = ½·mean((D(x) − 1)²) + ½·mean(D(G(z))²);     G = ½·mean((D(G(z)) − 1)²)
//   hinge: D = mean(relu(1 − D(x))) + mean(relu(1 + D(G(z))));  G = −mean(D(G(z)))
// realLabel < 1 is one-sided label smoothing (real targets only).
import { Tensor } from '../tensor.js';
import { F } from '../ops/index.js';

export type GanLoss = 'bce' | 'lsgan' | 'hinge';
export const GAN_LOSSES: GanLoss[] = ['bce', 'lsgan', 'hinge'];

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
  }
}

export function generatorLoss(kind: GanLoss, fakeLogits: Tensor): Tensor {
  switch (kind) {
    case 'bce':
      return F.binary_cross_entropy_with_logits(fakeLogits, Tensor.ones(fakeLogits.shape));
    case 'lsgan':
      return F.mul(F.mse_loss(fakeLogits, Tensor.ones(fakeLogits.shape)), 0.5);
    case 'hinge':
      return F.mul(F.mean(fakeLogits), -1);
  }
}
