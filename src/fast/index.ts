// Fast (feed-forward) style transfer: the networks, loading from model files, whole or tiled runs.
export { TransformerNet, ConvLayer, ResidualBlock, UpsampleConvLayer, type TransformerNetOptions } from './transformer_net.js';
export { EngstromNet, EngstromLayer, EngstromResidual, samePadding, tanhTo255 } from './engstrom.js';
export { fastNetFromWeights, engstromStateDict, type FastArch, type LoadedFastNet, type NamedWeights } from './load.js';
export { stylize, runTiled, type FastStyleNet, type TilePlan, type TileLayer, type TileProgress, type StylizeOptions } from './tiled.js';
export { MobileStyleNet, SeparableBlock, InvertedResidual, type MobileStyleNetOptions } from './mobile_net.js';
export { PerceptualLoss, defaultFastLayers, JOHNSON_CONTENT_LAYERS, JOHNSON_STYLE_LAYERS } from './perceptual.js';
export { FastTrainer, CropSampler, NonFiniteLossError, buildStyleNet, fastTrainConfig, TRAIN_ARCHS, type TrainArch, type FastTrainConfig, type FastTrainerState, type TrainerState, type FastStepStats } from './train.js';
export { serializeFastState, parseFastState, FAST_STATE_FORMAT } from './checkpoint.js';
export { adain, meanStd, AdainDecoder, AdainStylizer, AdainTrainer, defaultAdainLayer, adainStyleLayers, deprocess, type AdainTrainConfig, type AdainStylizeOptions, type AdainStepStats } from './adain.js';
