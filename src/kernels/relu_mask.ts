// relu_mask   (twin: assembly/kernels/relu_mask.ts; test: test/kernels/relu_mask.prop.test.ts)
// A ReLU that remembers its mask in one bit per element (the Gatys chain's in-place ReLU: the mask
// is all its backward needs, 1/32 of the activation it replaces):
//   forward  (backward false): x[i] = x[i] > 0 ? x[i] : +0   (−0 and NaN → +0), and, when `bits`
//            is given, bit i of the mask set where x[i] > 0
//   backward (backward true):  x[i] = bit i set ? x[i] : +0  (x is the gradient; bits required)
// x is changed in place. The mask is ⌈n / 32⌉ little-endian 32-bit words, bit i at word i >> 5, bit
// i & 31; it travels in a Float32Array of that many elements whose bit patterns are never read as
// numbers (same-type copies — set, slice — move bytes, so the patterns survive them).
// Branch-free: the bits of each float are ANDed with 0 or −1 (an activation's signs are a coin toss
// for a branch predictor).

export function relu_mask(x: Float32Array, n: number, bits: Float32Array | null, backward: boolean): void {
  const xb = new Int32Array(x.buffer, x.byteOffset, n);
  const words = bits === null ? null : new Int32Array(bits.buffer, bits.byteOffset, (n + 31) >> 5);
  if (backward) {
    if (words === null) throw new Error('relu_mask: the backward needs the mask bits');
    for (let i = 0; i < n; i++) xb[i] &= -((words[i >> 5] >>> (i & 31)) & 1);
    return;
  }
  if (words === null) {
    for (let i = 0; i < n; i++) xb[i] &= -+(x[i] > 0);
    return;
  }
  for (let w = 0, i = 0; i < n; w++) {
    let m = 0;
    for (let b = 0, end = Math.min(n, i + 32); i < end; i++, b++) {
      const pos = +(x[i] > 0);
      m |= pos << b;
      xb[i] &= -pos;
    }
    words[w] = m;
  }
}
