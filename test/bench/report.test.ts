// The bench's arithmetic and formats: nominal FLOP counts (hand-computed), the VGG case matching
// src/style/vgg.ts's layout, JSON lines, the table's ratios, and the ONNX writer's protobuf bytes
// (decoded here by a minimal reader, independent of onnxruntime).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convFlops, formatTable, gemmFlops, gemmShape, jsonLine, type BenchRow } from '../../bench/report.js';
import { ganStepFlops, vggCases, vggForwardFlops, VGG19_TO_CONV3_4 } from '../../bench/step.bench.js';
import { convCases } from '../../bench/conv2d.bench.js';
import { onnxModel } from '../../bench/peers/onnx.js';
import { vggLayout } from '../../src/style/vgg.js';

test('flops: gemm 2·M·N·K, conv 2·Cout·H·W·Cin·9, GAN step 2·B·(3·P_G + 8·P_D), VGG 256² forward', () => {
  assert.equal(gemmFlops({ m: 64, n: 1024, k: 784, transA: false, transB: true }), 2 * 64 * 1024 * 784);
  assert.equal(gemmShape({ m: 64, n: 1024, k: 784, transA: false, transB: true }), '64x1024x784 NT');
  assert.equal(convFlops({ cin: 64, cout: 128, size: 32 }), 2 * 128 * 32 * 32 * 64 * 9);
  // P_G = 100·128 + 128·256 + 256·512 + 512·1024 + 1024·784 = 1 503 744; P_D = 1 491 072
  assert.equal(ganStepFlops(64), 2 * 64 * (3 * 1_503_744 + 8 * 1_491_072));
  // conv1_1 … conv3_4 at 256², 128², 64²
  const fwd = 226_492_416 + 4_831_838_208 + 2_415_919_104 + 4_831_838_208 + 2_415_919_104 + 3 * 4_831_838_208;
  assert.equal(vggForwardFlops({ ...VGG19_TO_CONV3_4, size: 256 }), fwd);
  const [train, style] = vggCases(false);
  assert.equal(train.flops, 3 * fwd);
  assert.equal(style.flops, 2 * fwd);
  assert.deepEqual(convCases(false).map((c) => c.shape), ['3->64 256x256', '64->64 256x256', '128->128 128x128', '256->256 64x64', '512->512 32x32']);
});

test('the VGG case is torchvision VGG-19 conv1_1 … conv3_4 (channels and pools as src/style/vgg.ts)', () => {
  const layout = vggLayout('vgg19');
  const convs = layout.filter((l) => l.kind === 'conv').slice(0, 8);
  assert.deepEqual(VGG19_TO_CONV3_4.convs, convs.map((l) => [l.channels![1], l.channels![0]]));
  const pooled = VGG19_TO_CONV3_4.poolAfter.map((i) => layout[convs[i].index + 2].kind);
  assert.deepEqual(pooled, ['pool', 'pool', 'pool']);
});

test('jsonLine: exactly name, shape, backend, threads, ms, gflops, and the ceiling and one-thread time beside a gemm row', () => {
  const r: BenchRow & { extra: number } = { name: 'gemm', shape: '8x8x8 NN', backend: 'x', threads: 2, ms: 1.23456789, gflops: 0.000123456, extra: 1 };
  const o = JSON.parse(jsonLine(r));
  assert.deepEqual(Object.keys(o), ['name', 'shape', 'backend', 'threads', 'ms', 'gflops']);
  assert.equal(o.ms, 1.2346);
  assert.equal(o.gflops, 0.0001235);
  const withCeiling = JSON.parse(jsonLine({ ...r, ceiling: 55.87654 }));
  assert.deepEqual(Object.keys(withCeiling), ['name', 'shape', 'backend', 'threads', 'ms', 'gflops', 'ceiling']);
  assert.equal(withCeiling.ceiling, 55.88);
  const scaled = JSON.parse(jsonLine({ ...r, oneThreadMs: 2.3456789 }));
  assert.deepEqual(Object.keys(scaled), ['name', 'shape', 'backend', 'threads', 'ms', 'gflops', 'oneThreadMs']);
  assert.equal(scaled.oneThreadMs, 2.3457);
});

test('formatTable: ceil = GFLOP/s over ceiling × threads (the row\'s own ceiling when it has one); ganstyle/this on peer rows', () => {
  const rows: BenchRow[] = [
    { name: 'conv2d', shape: 's', backend: 'ganstyle-wasm-simd', threads: 1, ms: 10, gflops: 20 },
    { name: 'conv2d', shape: 's', backend: 'ganstyle-wasm-simd-resident', threads: 1, ms: 5, gflops: 40 },
    { name: 'conv2d', shape: 's', backend: 'peer', threads: 2, ms: 20, gflops: 10 },
    { name: 'gemm', shape: 't', backend: 'peer', threads: 1, ms: 1, gflops: 8 },
    { name: 'gemm', shape: 'u', backend: 'ganstyle-wasm-simd', threads: 1, ms: 1, gflops: 30 },
    { name: 'gemm', shape: 'u', backend: 'ganstyle-wasm-simd', threads: 2, ms: 1, gflops: 60 },
    { name: 'gemm', shape: 'u', backend: 'peer', threads: 2, ms: 1, gflops: 40 },
    { name: 'gemm', shape: 'v', backend: 'ganstyle-wasm-simd', threads: 2, ms: 1, gflops: 60, ceiling: 50 },
  ];
  const lines = formatTable(rows, 40).split('\n');
  assert.equal(lines.length, 10);
  const cells = lines.slice(2).map((l) => l.trim().split(/\s{2,}/));
  assert.deepEqual(cells[0].slice(-2), ['20.00', '50%']);
  assert.deepEqual(cells[2].slice(-3), ['10.00', '13%', '2.00']); // 10 / (40·2); ganstyle's first 1-thread row (no 2-thread one) 20 / 10
  assert.deepEqual(cells[3].slice(-2), ['8.00', '20%']); // no ganstyle row for gemm t: no ratio
  assert.deepEqual(cells[6].slice(-1), ['1.50']); // the same thread count: 60 / 40
  assert.deepEqual(cells[7].slice(-2), ['60.00', '60%']); // its own ceiling measured beside it: 60 / (50·2)
});

/** A minimal protobuf reader: field number → values (varints as numbers, length-delimited as bytes). */
function decode(b: Uint8Array): Map<number, (number | Uint8Array)[]> {
  const out = new Map<number, (number | Uint8Array)[]>();
  let i = 0;
  const varint = () => {
    let v = 0, mul = 1;
    for (;;) {
      const x = b[i++];
      v += (x & 0x7f) * mul;
      mul *= 128;
      if (x < 0x80) return v;
    }
  };
  while (i < b.length) {
    const key = varint(), field = Math.floor(key / 8), wire = key % 8;
    let value: number | Uint8Array;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const n = varint();
      value = b.subarray(i, i + n);
      i += n;
    } else throw new Error(`wire type ${wire}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}
const text = (v: number | Uint8Array) => new TextDecoder().decode(v as Uint8Array);

test('onnxModel writes ModelProto/GraphProto/NodeProto/TensorProto fields with onnx.proto numbers', () => {
  const w = new Float32Array([1.5, -2, 300, 0.25]);
  const model = decode(onnxModel({
    inputs: { A: [200, 3] },
    initializers: { W: { shape: [3, 2], data: w } },
    outputs: { Y: [200, 2] },
    nodes: [{ op: 'Gemm', inputs: ['A', 'W'], outputs: ['Y'], attrs: { transB: 1, pads: [1, 2] } }],
  }));
  assert.deepEqual(model.get(1), [8]); // ir_version
  const opset = decode(model.get(8)![0] as Uint8Array);
  assert.deepEqual(opset.get(2), [17]);
  const graph = decode(model.get(7)![0] as Uint8Array);
  const node = decode(graph.get(1)![0] as Uint8Array);
  assert.deepEqual(node.get(1)!.map(text), ['A', 'W']);
  assert.deepEqual(node.get(2)!.map(text), ['Y']);
  assert.equal(text(node.get(4)![0]), 'Gemm');
  const [transB, pads] = node.get(5)!.map((a) => decode(a as Uint8Array));
  assert.equal(text(transB.get(1)![0]), 'transB');
  assert.deepEqual([transB.get(3), transB.get(20)], [[1], [2]]); // i = 1, type INT
  assert.deepEqual([pads.get(8), pads.get(20)], [[1, 2], [7]]); // ints, type INTS
  const init = decode(graph.get(5)![0] as Uint8Array);
  assert.deepEqual(init.get(1), [3, 2]);
  assert.deepEqual(init.get(2), [1]); // FLOAT
  assert.equal(text(init.get(8)![0]), 'W');
  const raw = init.get(9)![0] as Uint8Array;
  assert.deepEqual(new Float32Array(raw.slice().buffer), w);
  const input = decode(graph.get(11)![0] as Uint8Array);
  assert.equal(text(input.get(1)![0]), 'A');
  const tensorType = decode(decode(input.get(2)![0] as Uint8Array).get(1)![0] as Uint8Array);
  assert.deepEqual(tensorType.get(1), [1]);
  const dims = decode(tensorType.get(2)![0] as Uint8Array).get(1)!.map((d) => decode(d as Uint8Array).get(1)![0]);
  assert.deepEqual(dims, [200, 3]); // 200 needs a two-byte varint
  assert.equal(text(decode(graph.get(12)![0] as Uint8Array).get(1)![0]), 'Y');
});
