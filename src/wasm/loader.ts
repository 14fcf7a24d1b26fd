// Instantiates the kernel module from its bytes (no platform imports: src/node/wasm.ts reads the
// files, a browser would fetch them). Targets are the asconfig.json ones: 'release' (SIMD),
// 'scalar' (no SIMD, same source), 'relaxed' (SIMD + relaxed SIMD: fused multiply-add in gemm) and
// 'debug' (SIMD, assertions on).
import { checkExports, type WasmExports } from './exports.js';

export type WasmTarget = 'release' | 'scalar' | 'relaxed' | 'debug';

/** (module (func (result v128) <body>)) with body one expression of instructions (< 128 bytes). */
function probe(body: number[]): Uint8Array<ArrayBuffer> {
  const code = [0x00, ...body, 0x0b]; // no locals, body, end
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, //  magic, version
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, //        type section: () → v128
    0x03, 0x02, 0x01, 0x00, //                          function section: one function of type 0
    0x0a, code.length + 2, 0x01, code.length, ...code, // code section: one body
  ]);
}

const V128_ZERO = [0xfd, 0x0c, ...new Array<number>(16).fill(0)]; // v128.const i32x4 0 0 0 0
const SIMD_PROBE = probe(V128_ZERO);
const RELAXED_PROBE = probe([...V128_ZERO, ...V128_ZERO, ...V128_ZERO, 0xfd, 0x85, 0x02]); // f32x4.relaxed_madd (0xfd 0x105)

/** True when this engine can compile WebAssembly SIMD (v128). */
export function simdSupported(): boolean {
  return WebAssembly.validate(SIMD_PROBE);
}

/** True when this engine can compile relaxed SIMD (Node 20: only after the V8 flag, src/node/wasm.ts). */
export function relaxedSimdSupported(): boolean {
  return WebAssembly.validate(RELAXED_PROBE);
}

/** 'auto' → 'release' if the engine has SIMD, else 'scalar'. */
export function pickTarget(request: 'auto' | 'simd' | 'scalar' | WasmTarget = 'auto'): WasmTarget {
  if (request === 'simd') return 'release';
  if (request === 'auto') return simdSupported() ? 'release' : 'scalar';
  return request;
}

/**
 * Synchronous instantiation (the module is a few KB, so this is fine on any thread in Node).
 * The 'threads' build imports its memory: pass the shared `memory` (and the same compiled Module on
 * every thread, src/wasm/parallel.ts).
 */
export function instantiateKernels(bytes: BufferSource | WebAssembly.Module, imported?: WebAssembly.Memory): WasmExports {
  let memory: WebAssembly.Memory | undefined;
  const module = bytes instanceof WebAssembly.Module ? bytes : new WebAssembly.Module(bytes);
  const instance = new WebAssembly.Instance(module, {
    env: {
      ...(imported === undefined ? {} : { memory: imported }),
      abort: (msg: number, file: number, line: number, col: number) => abort(memory, msg, file, line, col),
    },
  });
  const exports = checkExports(instance.exports);
  memory = exports.memory;
  return exports;
}

// AssemblyScript's abort(message, fileName, line, column): strings are UTF-16LE with their byte
// length in the u32 just before the pointer.
function abort(memory: WebAssembly.Memory | undefined, msg: number, file: number, line: number, col: number): never {
  const str = (ptr: number): string => {
    if (memory === undefined || ptr === 0) return '?';
    const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0];
    return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, bytes >>> 1));
  };
  throw new Error(`wasm abort: ${str(msg)} (${str(file)}:${line}:${col})`);
}
