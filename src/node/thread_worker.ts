// Entry of one pool worker (src/node/threads.ts): instantiate the shared module on the shared memory,
// then serve jobs until the pool stops (src/wasm/parallel.ts workerLoop).
import { workerData } from 'node:worker_threads';
import { instantiateKernels } from '../wasm/loader.js';
import { workerLoop } from '../wasm/parallel.js';
import type { ThreadWorkerData } from './threads.js';

const { module, memory, control, index } = workerData as ThreadWorkerData;
workerLoop(new Int32Array(control), instantiateKernels(module, memory), index);
