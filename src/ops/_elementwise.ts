// Shared loops for elementwise ops (not an op): unary maps and binary maps with NumPy
// broadcasting, and unbroadcast (sum a gradient back to an input's shape).
// NOTE: one shared loop calling a per-op closure is megamorphic in V8 (≈ 20 ns per element); the
// loops below are selected by op code outside the loop, so each runs at memory speed.
import { kernels, MEMORY_KERNEL_MIN, resultArray } from '../backend.js';
import { Tensor } from '../tensor.js';
import { broadcastShapes, broadcastStrides, shapeEq, sizeOf, type Shape } from '../shape.js';
import { reshape } from './reshape.js';
import { sum } from './sum.js';

export type UnaryCode =
  | 'relu' | 'leaky_relu' | 'tanh' | 'sigmoid'
  | 'exp' | 'log' | 'sqrt' | 'abs' | 'sign' | 'pow';

/** out = f(x) elementwise; `p` is the op's parameter (negative_slope, exponent). */
export function mapUnary(x: Tensor, code: UnaryCode, p = 0): Tensor {
  const s = x.data, n = s.length, o = resultArray(n);
  switch (code) {
    // NOTE: a data-dependent branch mispredicts on half the elements of a real activation (≈ 8 ns
    // each, 4× the whole loop): select by a boolean turned into 0/1 instead. −∞·0 is NaN, hence the
    // (predictable) −∞ test, and + 0 turns the −0 of a negative·0 into torch's 0; NaN stays NaN, as in torch.
    case 'relu': for (let i = 0; i < n; i++) { const v = s[i]; o[i] = v !== -Infinity ? v * +(v > 0) + 0 : 0; } break;
    case 'leaky_relu': kernels().leaky_relu(s, null, n, p, o); break;
    case 'tanh': for (let i = 0; i < n; i++) o[i] = Math.tanh(s[i]); break;
    // NOTE: e⁻ˣ overflows for x ≪ 0, so σ(x) = eˣ/(1 + eˣ) there; both forms stay finite at ±100.
    case 'sigmoid': for (let i = 0; i < n; i++) { const v = s[i]; if (v >= 0) o[i] = 1 / (1 + Math.exp(-v)); else { const e = Math.exp(v); o[i] = e / (1 + e); } } break;
    case 'exp': for (let i = 0; i < n; i++) o[i] = Math.exp(s[i]); break;
    case 'log': for (let i = 0; i < n; i++) o[i] = Math.log(s[i]); break;
    case 'sqrt': for (let i = 0; i < n; i++) o[i] = Math.sqrt(s[i]); break;
    case 'abs': for (let i = 0; i < n; i++) o[i] = Math.abs(s[i]); break;
    case 'sign': for (let i = 0; i < n; i++) o[i] = Math.sign(s[i]); break;
    case 'pow': for (let i = 0; i < n; i++) o[i] = Math.pow(s[i], p); break;
  }
  return new Tensor(o, x.shape);
}

export type BinaryCode = 'add' | 'sub' | 'mul' | 'div' | 'copy';

// out[oo + i] = a[ao + i·as] ∘ b[bo + i·bs] for i < n, with as, bs ∈ {0, 1} (0 = broadcast scalar).
function binaryRun(code: BinaryCode, n: number, a: Float32Array, ao: number, as: number, b: Float32Array, bo: number, bs: number, o: Float32Array, oo: number): void {
  switch (code) {
    case 'add': for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * as] + b[bo + i * bs]; break;
    case 'sub': for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * as] - b[bo + i * bs]; break;
    case 'mul': for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * as] * b[bo + i * bs]; break;
    case 'div': for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * as] / b[bo + i * bs]; break;
    case 'copy': for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * as]; break;
  }
}

/** out = a ∘ b with NumPy broadcasting; `op` names the calling op in shape errors. */
export function mapBinary(op: string, a: Tensor, b: Tensor, code: BinaryCode): Tensor {
  if (shapeEq(a.shape, b.shape)) {
    const out = resultArray(a.size);
    // Same shapes: add is add_rows with one row (the backend's kernel, copies included: 2.2 → 0.83 ms on 1 M floats); the rest loop here.
    if (code === 'add' && out.length >= MEMORY_KERNEL_MIN) kernels().add_rows(a.data, 1, out.length, b.data, out);
    else binaryRun(code, out.length, a.data, 0, 1, b.data, 0, 1, out, 0);
    return new Tensor(out, a.shape);
  }
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = resultArray(sizeOf(shape));
  if (out.length === 0) return new Tensor(out, shape);
  const rank = shape.length;
  const sa = broadcastStrides(a.shape, shape), sb = broadcastStrides(b.shape, shape);
  // A row added to every row (a bias add, [.., N] + [N]): the backend's add_rows kernel.
  const n = rank === 0 ? 0 : shape[rank - 1];
  if (code === 'add' && n > 1 && out.length >= MEMORY_KERNEL_MIN) {
    // (row.size = N and a unit stride along the last axis: a row, not an [N, 1] column)
    const [full, row, rowStride] = shapeEq(a.shape, shape) ? [a, b, sb] : shapeEq(b.shape, shape) ? [b, a, sa] : [null, null, null];
    if (full !== null && row.size === n && rowStride[rank - 1] === 1) {
      kernels().add_rows(full.data, out.length / n, n, row.data, out);
      return new Tensor(out, shape);
    }
  }
  // Merge trailing axes into one inner run while both operands are contiguous (stride 1 or 0
  // throughout), so a bias add [M, N] + [N] is M runs of N and a scalar operand is one run.
  let inner = 1, d = rank;
  const ia = rank === 0 ? 0 : Math.min(sa[rank - 1], 1), ib = rank === 0 ? 0 : Math.min(sb[rank - 1], 1);
  while (d > 0 && sa[d - 1] === ia * inner && sb[d - 1] === ib * inner) inner *= shape[--d];
  const idx = new Array<number>(d).fill(0);
  let offA = 0, offB = 0;
  for (let o = 0; o < out.length; o += inner) {
    binaryRun(code, inner, a.data, offA, ia, b.data, offB, ib, out, o);
    for (let k = d - 1; k >= 0; k--) {
      idx[k]++;
      offA += sa[k];
      offB += sb[k];
      if (idx[k] < shape[k]) break;
      offA -= sa[k] * shape[k];
      offB -= sb[k] * shape[k];
      idx[k] = 0;
    }
  }
  return new Tensor(out, shape);
}

/** Sums g over the axes that broadcasting stretched, so the result has `shape` (an op chain: differentiable). */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  if (shapeEq(g.shape, shape)) return g;
  const lead = g.shape.length - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.shape.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  const s = dims.length > 0 ? sum(g, { dim: dims, keepdim: true }) : g;
  return reshape(s, { shape: [...shape] });
}
