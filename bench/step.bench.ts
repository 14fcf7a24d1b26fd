// Whole training steps: one MLP-GAN step (src/gan/train.ts GanTrainer, batch 64, Adam) and one VGG-19
// forward + backward over conv1_1 … conv3_4 (src/style/vgg.ts, random weights, 256² input).
//
// GAN step FLOPs (nominal, the same number for every backend): with P = Σ in·out over a network's
// linear layers, ganstyle's step is G forward (B rows), D forward + backward (dx, dW) on real and fake
// as one batch of 2B, then D forward + backward (dx only; D is frozen) on the fake batch and G's
// backward (dx, dW): 2·B·(P_G + 2·P_D + 4·P_D + P_D + P_D + 2·P_G) = 2·B·(3·P_G + 8·P_D).
// The benchmark trains the plain MLP GAN (no spectral norm, no EMA, Adam 2e-4, betas 0.5/0.999, BCE)
// so a peer can run exactly the same network; data are random images (no MNIST read).
//
// VGG FLOPs: the convolutions only (ReLU and pooling are ≪ 1%); backward into the input and the
// weights costs 2× the forward, into the input alone 1× (the style-transfer case: frozen weights).
import { Tensor } from '../src/tensor.js';
import { Rng } from '../src/rng.js';
import { GanTrainer, ganConfig } from '../src/gan/train.js';
import { VGG } from '../src/style/vgg.js';
import { convFlops, type BenchCase, type Runner, type VggCase } from './report.js';

export const GAN_G_SIZES = [100, 128, 256, 512, 1024, 784];
export const GAN_D_SIZES = [784, 1024, 512, 256, 128, 1];

const params = (sizes: number[]): number => sizes.slice(1).reduce((s, out, i) => s + sizes[i] * out, 0);

export function ganStepFlops(batch: number): number {
  return 2 * batch * (3 * params(GAN_G_SIZES) + 8 * params(GAN_D_SIZES));
}

export function ganCase(quick: boolean): BenchCase<number> {
  const batch = quick ? 8 : 64;
  return { name: 'gan_step', shape: `mlp batch ${batch}`, flops: ganStepFlops(batch), params: batch };
}

/** ganstyle's GanTrainer.trainStep() on random data in [0, 1]. */
export function ganstyleGanStep(batch: number): Runner {
  const count = 4 * batch, rng = new Rng(2);
  const images = new Float32Array(count * 784);
  for (let i = 0; i < images.length; i++) images[i] = rng.random();
  const trainer = new GanTrainer(ganConfig({ model: 'mlp', batchSize: batch, spectralNorm: false, ema: 0, lrG: 2e-4, lrD: 2e-4 }), {
    images,
    count,
    shape: [1, 28, 28],
  });
  return { run: () => trainer.trainStep(), dispose: () => {} };
}

/** VGG-19 conv1_1 … conv3_4 (the Sequential ends with pool3). */
export const VGG19_TO_CONV3_4: Omit<VggCase, 'size'> = {
  convs: [[3, 64], [64, 64], [64, 128], [128, 128], [128, 256], [256, 256], [256, 256], [256, 256]],
  poolAfter: [1, 3, 7],
};

/** Forward FLOPs of the convolutions. */
export function vggForwardFlops(c: VggCase): number {
  let size = c.size, total = 0;
  c.convs.forEach(([cin, cout], i) => {
    total += convFlops({ cin, cout, size });
    if (c.poolAfter.includes(i)) size = Math.floor(size / 2);
  });
  return total;
}

export interface VggTrainParams {
  vgg: VggCase;
  weightGrads: boolean;
}

/** Two cases: backward into input and weights (training), and into the input only (style transfer). */
export function vggCases(quick: boolean): BenchCase<VggTrainParams>[] {
  const vgg: VggCase = { ...VGG19_TO_CONV3_4, size: quick ? 16 : 256 };
  const fwd = vggForwardFlops(vgg);
  return [true, false].map((weightGrads) => ({
    name: 'vgg_fwd_bwd',
    shape: `vgg19 conv1_1-conv3_4 ${vgg.size}x${vgg.size} ${weightGrads ? 'dx+dw' : 'dx'}`,
    flops: (weightGrads ? 3 : 2) * fwd,
    params: { vgg, weightGrads },
  }));
}

/** ganstyle: VGG forward to pool3, then backward of Σ output (He-initialised random weights). */
export function ganstyleVggTrain(p: VggTrainParams): Runner {
  if (p.vgg.convs.length !== VGG19_TO_CONV3_4.convs.length) throw new Error('ganstyleVggTrain: only VGG-19 conv1_1 … conv3_4');
  const net = new VGG('vgg19', { convLayers: p.vgg.convs.length });
  net.requiresGrad_(p.weightGrads);
  const x = Tensor.rand([1, 3, p.vgg.size, p.vgg.size], { rng: new Rng(3), low: -1, high: 1, requiresGrad: true });
  return {
    run: () => {
      x.grad = null;
      net.zeroGrad();
      const y = net.forward(x, ['pool3']).get('pool3')!;
      y.sum().backward();
    },
    dispose: () => {},
  };
}
