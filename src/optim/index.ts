// torch.optim: SGD, Adam, LBFGS on a shared Optimizer base (param groups, state, stateDict).
export { Optimizer, type OptimizerStateDict, type ParamGroup, type ParamGroupInput, type ParamsArg, type ParamState, type StateValue, type Closure } from './optimizer.js';
export { SGD, sgdUpdate, type SGDOptions } from './sgd.js';
export { Adam, adamUpdate, type AdamOptions } from './adam.js';
export { LBFGS, strongWolfe, cubicInterpolate, type LBFGSOptions } from './lbfgs.js';
export { quadratic, rosenbrock } from './objectives.js';
export { serializeOptimizerState, parseOptimizerState } from './serialize.js';
