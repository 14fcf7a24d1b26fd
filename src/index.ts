// Public API (engine only: no node:* imports here; see src/node for file and thread adapters).
export { Tensor } from './tensor.js';
export { F, ops, type OpName } from './ops/index.js';
export { noGrad, enableGrad, grad, isGradEnabled } from './autograd.js';
export { useBackend, backendName, registerBackend, availableBackends, kernels, setNumThreads, getNumThreads } from './backend.js';
export { Rng, manualSeed, globalRng } from './rng.js';
export { ShapeError } from './shape.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as io from './io/index.js';
export { gradcheck, type GradcheckOptions, type GradcheckResult } from './gradcheck.js';
export { VGG } from './style/vgg.js';
