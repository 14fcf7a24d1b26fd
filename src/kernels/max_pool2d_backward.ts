// max_pool2d_backward   (twin: assembly/kernels/max_pool2d_backward.ts; test: test/kernels/max_pool2d.prop.test.ts)
// The scatter that is max pooling's gradient: out [planes, hw] = 0, then for every plane p and
// output k < howo, out[p, idx[p, k]] += dy[p, k] (windows that share an argmax add up, in k order),
// skipping idx −1 (an empty window). Returns −1, or the flat position of the first index that is not
// −1 nor an integer in [0, hw) (the caller reports it; out is then partly written).

export function max_pool2d_backward(dy: Float32Array, idx: Float32Array, planes: number, howo: number, hw: number, out: Float32Array): number {
  out.fill(0, 0, planes * hw);
  for (let p = 0, k = 0; p < planes; p++) {
    const base = p * hw;
    for (const end = k + howo; k < end; k++) {
      const at = idx[k];
      if (at === -1) continue;
      if (!(at >= 0 && at < hw && Math.floor(at) === at)) return k;
      out[base + at] += dy[k];
    }
  }
  return -1;
}
