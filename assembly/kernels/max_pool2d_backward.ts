// max_pool2d_backward   (twin: src/kernels/max_pool2d_backward.ts; test: test/kernels/max_pool2d.prop.test.ts)
// out [planes, hw] = 0, then out[p, idx[p, k]] += dy[p, k] in k order (idx −1 skipped); returns −1 or
// the position of the first index that is not −1 nor an integer in [0, hw). dy, idx, out are byte offsets.

export function max_pool2d_backward(dy: usize, idx: usize, planes: i32, howo: i32, hw: i32, out: usize): i32 {
  assert(planes >= 0 && howo >= 0 && hw >= 0, 'max_pool2d_backward: negative size');
  memory.fill(out, 0, <usize>planes * (<usize>hw << 2));
  let k = 0;
  for (let p = 0; p < planes; p++) {
    const base = out + (<usize>p * (<usize>hw << 2));
    for (const end = k + howo; k < end; k++) {
      const at = load<f32>(idx + (<usize>k << 2));
      if (at == -1) continue;
      // NaN fails every comparison, so it is reported too
      if (!(at >= 0 && at < <f32>hw && Mathf.floor(at) == at)) return k;
      const q = base + (<usize><i32>at << 2);
      store<f32>(q, load<f32>(q) + load<f32>(dy + (<usize>k << 2)));
    }
  }
  return -1;
}
