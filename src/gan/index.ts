// GANs: models (MLP, DCGAN 28²/64², conditional), losses (bce, lsgan, hinge, wgan-gp), spectral
// norm, EMA of G, the trainer with exact resume, and its checkpoint format.
//   const t = new GanTrainer({ model: 'dcgan', loss: 'hinge', seed: 1 }, data);
//   for (let i = 0; i < 1000; i++) t.trainStep();
//   const images = t.sample(Tensor.randn([64, 100]));
export { GanTrainer, NonFiniteError, ganConfig, DEFAULT_GAN_CONFIG, GAN_MODELS, buildGenerator, buildDiscriminator, modelImageShape } from './train.js';
export type { GanConfig, GanModel, GanTrainerState, ImageSet, StepStats } from './train.js';
export { discriminatorLoss, generatorLoss, gradientPenalty, interpolate, GAN_LOSSES, type GanLoss } from './losses.js';
export { MlpGenerator, MlpDiscriminator, DcganGenerator, DcganDiscriminator, GanGenerator, GanDiscriminator, dcganInit_, LATENT, IMAGE } from './models.js';
export { spectralNorm, spectralNormWeight, SpectralNorm, type SpectralNormOptions } from './spectral_norm.js';
export { Ema } from './ema.js';
export { catAll, oneHot, splitRows } from './concat.js';
export { serializeGanState, parseGanState, GAN_STATE_FORMAT } from './checkpoint.js';
