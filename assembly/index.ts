// The WASM ABI and the only asc entry: every kernel plus the scratch arena (and one bench helper).
// Arguments are i32 sizes/flags and usize byte offsets into memory (C5); mirror: src/wasm/exports.ts.
export { gemm, gemm_shared, gemm_schedule_bytes } from './kernels/gemm';
export { im2col } from './kernels/im2col';
export { col2im } from './kernels/col2im';
export { conv } from './kernels/conv';
export { depthwise } from './kernels/depthwise';
export { adam } from './kernels/adam';
export { power_iteration } from './kernels/power_iteration';
export { plane_norm } from './kernels/plane_norm';
export { plane_norm_backward } from './kernels/plane_norm_backward';
export { axpby } from './kernels/axpby';
export { add_rows } from './kernels/add_rows';
export { sum_rows } from './kernels/sum_rows';
export { leaky_relu } from './kernels/leaky_relu';
export { relu_mask } from './kernels/relu_mask';
export { max_pool2d } from './kernels/max_pool2d';
export { max_pool2d_backward } from './kernels/max_pool2d_backward';
export { spectral_norm_grad } from './kernels/spectral_norm_grad';
export { layer_grad } from './kernels/layer_grad';
export { reflection_pad2d } from './kernels/reflection_pad2d';
export { reflection_pad2d_backward } from './kernels/reflection_pad2d_backward';
export { upsample_nearest2d } from './kernels/upsample_nearest2d';
export { upsample_nearest2d_backward } from './kernels/upsample_nearest2d_backward';
export { scratch_alloc, scratch_reset, scratch_set_base } from './scratch';
// bench helper (bench/ceiling.ts), not a Kernels member
export { ceiling } from './bench/ceiling';
