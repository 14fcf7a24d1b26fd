// Cheap guards that the builds are what asconfig.json promises (C7): the release .wat really uses
// f32x4 arithmetic in the gemm micro-kernel, the scalar .wat has no v128 at all, and the debug build
// keeps its assertions (calls to abort) while release compiles them out of gemm.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../src/node/wasm.js';

const wat = (target: string) => readFileSync(join(packageRoot(), 'build', `kernels.${target}.wat`), 'utf8');

/** The text of one function `(func $<name> …` up to the next top-level `(func`. */
function funcBody(text: string, name: string): string {
  const start = text.indexOf(`(func $${name} `);
  assert.ok(start >= 0, `function ${name} not found`);
  const end = text.indexOf('\n (func ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

describe('emitted WebAssembly', () => {
  it('release: the 4×8 micro-kernel (inlined into gemm\'s blocked driver) is f32x4 mul/add on v128 loads', () => {
    const body = funcBody(wat('release'), 'assembly/kernels/gemm/gemmBlocked');
    assert.ok((body.match(/f32x4\.mul/g) ?? []).length >= 8, 'expected ≥ 8 f32x4.mul');
    assert.ok((body.match(/f32x4\.add/g) ?? []).length >= 8, 'expected ≥ 8 f32x4.add');
    assert.match(body, /v128\.load/);
    assert.match(wat('release'), /i8x16\.shuffle|v128\.load32_splat/, 'packing uses SIMD too');
  });

  it('release: the depthwise row loops are f32x4 (stride 2 keeps the even lanes with a shuffle), the weight gradient too', () => {
    const body = funcBody(wat('release'), 'assembly/kernels/depthwise/plane');
    assert.ok((body.match(/f32x4\.mul/g) ?? []).length >= 3, 'expected the 8-, 4-wide and stride-2 f32x4 loops');
    assert.match(body, /i8x16\.shuffle/);
    assert.match(funcBody(wat('release'), 'assembly/kernels/depthwise/weight'), /f32x4\.mul/);
  });

  it('scalar: no v128 anywhere, and the scalar micro-kernel is the one compiled', () => {
    const text = wat('scalar');
    assert.doesNotMatch(text, /v128|f32x4|i8x16|i32x4/);
    funcBody(text, 'assembly/kernels/gemm/gemm_4x8_scalar');
  });

  it('debug keeps assertions; release drops them from gemm', () => {
    assert.match(funcBody(wat('debug'), 'assembly/kernels/gemm/gemm'), /call \$~lib\/builtins\/abort/);
    assert.doesNotMatch(funcBody(wat('release'), 'assembly/kernels/gemm/gemm'), /call \$~lib\/builtins\/abort/);
  });
});
