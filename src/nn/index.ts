// torch.nn in PyTorch's vocabulary: Module, the layers, containers and nn.init.
//   import { nn } from 'ganstyle';
//   const net = new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 1));
//   nn.init.normal_(net.at(0).parameters()[0], { std: 0.02 });
export { Module, StateDictError, type LoadStateDictResult } from './module.js';
export { Linear, Identity, type LinearOptions } from './linear.js';
export { Conv2d, ConvTranspose2d, type Conv2dOptions, type ConvTranspose2dOptions } from './conv.js';
export { BatchNorm1d, BatchNorm2d, InstanceNorm2d, type BatchNormOptions } from './norm.js';
export { ReLU, LeakyReLU, Tanh, Sigmoid } from './activation.js';
export { MaxPool2d, AvgPool2d, type MaxPool2dOptions, type AvgPool2dOptions } from './pooling.js';
export { Upsample, type UpsampleOptions } from './upsampling.js';
export { ReflectionPad2d } from './padding.js';
export { Dropout } from './dropout.js';
export { Flatten } from './flatten.js';
export { Sequential, ModuleList } from './container.js';
export * as init from './init.js';
