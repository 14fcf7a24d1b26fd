// Public API (engine only: no node:* imports here; see src/node for file and thread adapters).
export { Tensor } from './tensor.js';
export { F, ops, type OpName } from './ops/index.js';
export { noGrad, enableGrad, grad, isGradEnabled } from './autograd.js';
export { useBackend, backendName, registerBackend, availableBackends, kernels, setNumThreads, getNumThreads, allocate, isResident, resultScope, kernelMemoryBytes } from './backend.js';
export { Rng, manualSeed, globalRng } from './rng.js';
export { ShapeError } from './shape.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as io from './io/index.js';
export { gradcheck, type GradcheckOptions, type GradcheckResult } from './gradcheck.js';
export { VGG, vggLayout, GATYS_STYLE_LAYERS, GATYS_CONTENT_LAYERS, CAFFE_RGB, CAFFE_BGR, TORCHVISION, type VggArch, type VggPooling, type VggPreprocessing, type VggWeightsInput, type VggOptions } from './style/vgg.js';
// Gatys style transfer (VGG from bytes: VGG.fromWeights({ tensors: io.parseSafetensors(bytes).tensors }); from a file: loadVgg in src/node/weights.ts)
export { gatys, stylize, GATYS_DEFAULTS, STYLIZE_DEFAULTS, NonFiniteLossError, toNetworkSpace, fromNetworkSpace, checkFiniteWeights, type GatysOptions, type StylizeOptions, type GatysResult, type IterationRecord, type LayerList } from './style/transfer.js';
export { GatysLoss, parseLayers, tvLoss, type LossTerms, type LossWeights, type WeightedLayer } from './style/losses.js';
export { originalColors } from './style/colors.js';
// Fast (feed-forward) style transfer: TransformerNet, Engstrom's network, the light mobile network, tiled runs.
export * as fast from './fast/index.js';
