// relu_mask   (twin: src/kernels/relu_mask.ts; test: test/kernels/relu_mask.prop.test.ts)
// forward (backward 0): x = max(x, +0) in place (−0, NaN → +0), and if bits ≠ 0 bit i of the
// ⌈n/32⌉ u32 words at bits set where x[i] > 0; backward (1): x[i] = bit i set ? x[i] : +0.
// x, bits are byte offsets. SIMD: a 32-element word is 8 f32x4 groups; forward gathers each
// group's 4 compare lanes with i32x4.bitmask, backward spreads 4 bits back to lanes by ANDing a
// splat of the word (shifted) with [1, 2, 4, 8].

export function relu_mask(x: usize, n: i32, bits: usize, backward: bool): void {
  assert(n >= 0 && (!backward || bits != 0), 'relu_mask: bad arguments');
  const full = n >> 5;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vzero = f32x4.splat(0), vlane = i32x4(1, 2, 4, 8);
    for (let w = 0; w < full; w++) {
      const base = x + (<usize>w << 7);
      if (backward) {
        const word = load<u32>(bits + (<usize>w << 2));
        for (let g = 0; g < 8; g++) {
          const p = base + (<usize>g << 4);
          const vkeep = i32x4.ne(v128.and(i32x4.splat(<i32>(word >> (g << 2))), vlane), i32x4.splat(0));
          v128.store(p, v128.and(v128.load(p), vkeep));
        }
      } else {
        let word: u32 = 0;
        for (let g = 0; g < 8; g++) {
          const p = base + (<usize>g << 4);
          const v = v128.load(p), vpos = f32x4.gt(v, vzero);
          v128.store(p, v128.and(v, vpos));
          word |= <u32>i32x4.bitmask(vpos) << (g << 2);
        }
        if (bits != 0) store<u32>(bits + (<usize>w << 2), word);
      }
    }
    i = full << 5;
  }
  // scalar: whole words when there is no SIMD, then the partial last word
  for (let w = i >> 5; i < n; w++) {
    const end = min(n, i + 32);
    const wp = bits + (<usize>w << 2);
    let word: u32 = backward ? load<u32>(wp) : 0;
    for (let b = 0; i < end; i++, b++) {
      const p = x + (<usize>i << 2);
      const keep: u32 = backward ? (word >> b) & 1 : <u32>(load<f32>(p) > 0);
      if (!backward) word |= keep << b;
      store<u32>(p, load<u32>(p) & (0 - keep));
    }
    if (!backward && bits != 0) store<u32>(wp, word);
  }
}
