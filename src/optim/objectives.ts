// Test objectives of the oracle's lbfgs cases (FORMAT.md §6), written in ops so backward() gives
// their gradients:
//   quadratic(A, b):    f(p) = ½ pᵀAp − bᵀp                          p [n], A [n, n], b [n]
//   rosenbrock(alpha):  f(p) = Σ_i alpha·(p[2i+1] − p[2i]²)² + (1 − p[2i])²     p [n], n even
import { Tensor } from '../tensor.js';
import { F } from '../ops/index.js';
import { fmt, ShapeError } from '../shape.js';

export function quadratic(A: Tensor, b: Tensor): (p: Tensor) => Tensor {
  const n = b.size;
  if (A.ndim !== 2 || A.shape[0] !== n || A.shape[1] !== n || b.ndim !== 1) {
    throw new ShapeError(`quadratic: A must be [n, n] and b [n], got A ${fmt(A.shape)} and b ${fmt(b.shape)}`);
  }
  return (p) => {
    if (p.size !== n) throw new ShapeError(`quadratic: p has shape ${fmt(p.shape)}, expected [${n}]`);
    const ap = F.matmul(A, F.reshape(p, { shape: [n, 1] }));
    const quad = F.sum(F.mul(F.reshape(p, { shape: [n, 1] }), ap));
    return F.sub(F.mul(quad, 0.5), F.sum(F.mul(b, F.reshape(p, { shape: [n] }))));
  };
}

export function rosenbrock(alpha: number): (p: Tensor) => Tensor {
  if (!Number.isFinite(alpha)) throw new RangeError(`rosenbrock: alpha must be finite, got ${alpha}`);
  const even = Tensor.from([1, 0]), odd = Tensor.from([0, 1]);
  return (p) => {
    if (p.size % 2 !== 0) throw new ShapeError(`rosenbrock: p needs an even number of elements, got shape ${fmt(p.shape)}`);
    const pairs = F.reshape(p, { shape: [-1, 2] });
    const x = F.sum(F.mul(pairs, even), { dim: [1] });
    const y = F.sum(F.mul(pairs, odd), { dim: [1] });
    const a = F.sub(y, F.mul(x, x));
    const c = F.sub(1, x);
    return F.sum(F.add(F.mul(F.mul(a, a), alpha), F.mul(c, c)));
  };
}
