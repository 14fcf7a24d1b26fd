// A minimal ONNX model writer for the benchmark peers: hand-rolled protobuf for the few fields of
// onnx.proto3 that one-op graphs need (ModelProto, GraphProto, NodeProto, AttributeProto,
// TensorProto, ValueInfoProto/TypeProto/TensorShapeProto). Field numbers are onnx.proto's.
// Wire format: each field is a varint key (number << 3 | wire type), then a varint (type 0), or a
// varint length and bytes (type 2). int64 values here are small and non-negative.

class Writer {
  private bytes: number[] = [];
  varint(v: number): this {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`onnx: varint needs a non-negative integer, got ${v}`);
    while (v >= 0x80) {
      this.bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.bytes.push(v);
    return this;
  }
  int(field: number, v: number): this {
    return this.varint(field << 3).varint(v);
  }
  bytesField(field: number, b: Uint8Array): this {
    this.varint((field << 3) | 2).varint(b.length);
    for (const x of b) this.bytes.push(x);
    return this;
  }
  str(field: number, s: string): this {
    return this.bytesField(field, new TextEncoder().encode(s));
  }
  msg(field: number, w: Writer): this {
    return this.bytesField(field, w.finish());
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_INT = 2, ATTR_INTS = 7; // AttributeProto.AttributeType

export type OnnxAttr = number | number[];

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, OnnxAttr>;
}

export interface OnnxGraph {
  /** Graph inputs fed at run time: name → shape (float32). */
  inputs: Record<string, readonly number[]>;
  /** Constant float32 tensors baked into the model: name → {shape, data}. */
  initializers?: Record<string, { shape: readonly number[]; data: Float32Array }>;
  outputs: Record<string, readonly number[]>;
  nodes: OnnxNode[];
  opset?: number;
}

function valueInfo(name: string, shape: readonly number[]): Writer {
  const dims = new Writer();
  for (const d of shape) dims.msg(1, new Writer().int(1, d)); // Dimension.dim_value
  const tensorType = new Writer().int(1, FLOAT).msg(2, dims); // TypeProto.Tensor {elem_type, shape}
  return new Writer().str(1, name).msg(2, new Writer().msg(1, tensorType)); // ValueInfoProto {name, type}
}

function attribute(name: string, v: OnnxAttr): Writer {
  const w = new Writer().str(1, name);
  if (typeof v === 'number') return w.int(3, v).int(20, ATTR_INT);
  for (const x of v) w.int(8, x);
  return w.int(20, ATTR_INTS);
}

/** The serialized ModelProto (IR version 8, default-domain opset 17 unless given). */
export function onnxModel(g: OnnxGraph): Uint8Array {
  const graph = new Writer();
  g.nodes.forEach((n, i) => {
    const node = new Writer();
    for (const x of n.inputs) node.str(1, x);
    for (const y of n.outputs) node.str(2, y);
    node.str(3, `${n.op.toLowerCase()}_${i}`).str(4, n.op);
    for (const [k, v] of Object.entries(n.attrs ?? {})) node.msg(5, attribute(k, v));
    graph.msg(1, node);
  });
  graph.str(2, 'bench');
  for (const [name, t] of Object.entries(g.initializers ?? {})) {
    const tensor = new Writer();
    for (const d of t.shape) tensor.int(1, d);
    tensor.int(2, FLOAT).str(8, name);
    const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength); // little-endian float32
    graph.msg(5, tensor.bytesField(9, raw));
  }
  for (const [name, shape] of Object.entries(g.inputs)) graph.msg(11, valueInfo(name, shape));
  for (const [name, shape] of Object.entries(g.outputs)) graph.msg(12, valueInfo(name, shape));
  return new Writer()
    .int(1, 8) // ir_version
    .str(2, 'ganstyle-bench')
    .msg(7, graph)
    .msg(8, new Writer().str(1, '').int(2, g.opset ?? 17))
    .finish();
}
