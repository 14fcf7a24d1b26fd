// assertClose: the oracle's pass rule (src/io/oracle.ts compareTensor), so tests and the CLI agree.
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor.js';
import { compareTensor } from '../../src/io/oracle.js';

export function assertClose(actual: Tensor, expected: Tensor, tol: { atol?: number; rtol?: number } = {}, what = 'tensor'): void {
  const why = compareTensor(actual, expected, { atol: tol.atol ?? 1e-6, rtol: tol.rtol ?? 1e-5 });
  assert.equal(why, null, `${what}: ${why}`);
}
