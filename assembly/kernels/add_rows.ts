// add_rows   (twin: src/kernels/add_rows.ts; test: test/kernels/add_rows.prop.test.ts)
// out[r, c] = a[r, c] + b[c] (f32 adds: bit-identical to the twin). a, b, out are byte offsets; out may be a.

export function add_rows(a: usize, rows: i32, cols: i32, b: usize, out: usize): void {
  assert(rows >= 0 && cols >= 0, 'add_rows: negative size');
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const src = a + <usize>r * rowBytes, dst = out + <usize>r * rowBytes;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 4 <= cols; c += 4) {
        const off = <usize>c << 2;
        v128.store(dst + off, f32x4.add(v128.load(src + off), v128.load(b + off)));
      }
    }
    for (; c < cols; c++) {
      const off = <usize>c << 2;
      store<f32>(dst + off, load<f32>(src + off) + load<f32>(b + off));
    }
  }
}
