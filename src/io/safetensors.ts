// safetensors read/write on bytes (engine code: no file system here; see src/node/files.ts).
// Layout: [u64 LE header length N][N bytes of UTF-8 JSON, space-padded][data buffer]
//   header = { "__metadata__"?: {string: string}, "<name>": {dtype, shape, data_offsets: [begin, end)} }
//   offsets count from the first byte after the header; tensors tile the buffer exactly (no gaps,
//   no overlap) and the file ends at the end of the last tensor; data is little-endian, C order.
// Reading converts every supported dtype to float32 Tensors (F32 data is a zero-copy view when it
// is 4-byte aligned on a little-endian host); writing produces F32 (F64 for Float64Array entries).
import { Tensor } from '../tensor.js';
import { fmt, sizeOf } from '../shape.js';

/** An error in a tensor file; the message starts with the file's name. */
export class FormatError extends Error {
  override name = 'FormatError';
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
  }
}

export const DTYPE_BYTES = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
} as const;
export type Dtype = keyof typeof DTYPE_BYTES;

/** One tensor as stored: dtype, shape and its bytes (a view into the file). */
export interface RawTensor {
  dtype: Dtype;
  shape: number[];
  bytes: Uint8Array;
}

export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Parses the structure of a safetensors file and checks every rule; data stays as bytes. */
export function parseSafetensorsRaw(bytes: Uint8Array, file = '<bytes>'): { entries: Map<string, RawTensor>; metadata: Record<string, string> } {
  const bad = (problem: string): never => {
    throw new FormatError(file, problem);
  };
  if (bytes.length < 8) bad(`${bytes.length} bytes is too short for a safetensors file (needs the 8-byte header length)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(bytes.length - 8)) bad(`header length ${n64} runs past the end of the file (${bytes.length} bytes)`);
  const n = Number(n64);
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    bad('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    bad(`header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) bad('header is not a JSON object');
  const data = bytes.subarray(8 + n);
  const metadata: Record<string, string> = {};
  const spans: [string, number, number][] = [];
  const entries = new Map<string, RawTensor>();
  for (const [name, e] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof e !== 'object' || e === null || Array.isArray(e)) bad('__metadata__ is not a JSON object');
      for (const [k, v] of Object.entries(e as object)) {
        if (typeof v !== 'string') bad(`__metadata__ value for '${k}' is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const where = `tensor '${name}'`;
    if (typeof e !== 'object' || e === null || Array.isArray(e)) bad(`${where}: entry is not a JSON object`);
    const { dtype, shape, data_offsets: off } = e as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
      bad(`${where}: unknown dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPE_BYTES).join(', ')})`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) bad(`${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    if (!Array.isArray(off) || off.length !== 2 || !off.every((o) => Number.isSafeInteger(o) && o >= 0) || off[0] > off[1]) {
      bad(`${where}: data_offsets ${JSON.stringify(off)} is not a pair [begin, end] of integers with 0 ≤ begin ≤ end`);
    }
    const [begin, end] = off as [number, number];
    const need = sizeOf(shape as number[]) * DTYPE_BYTES[dtype as Dtype];
    if (end - begin !== need) bad(`${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes but shape ${fmt(shape as number[])} of ${dtype} needs ${need}`);
    if (end > data.length) bad(`${where}: data_offsets [${begin}, ${end}] run past the end of the data (${data.length} bytes after the header)`);
    spans.push([name, begin, end]);
    entries.set(name, { dtype: dtype as Dtype, shape: shape as number[], bytes: data.subarray(begin, end) });
  }
  // The tensors must tile the data buffer: sorted by offset, each starts where the previous ended.
  spans.sort((a, b) => a[1] - b[1] || a[2] - b[2]);
  let pos = 0;
  let prev = '';
  for (const [name, begin, end] of spans) {
    if (begin < pos) bad(`tensor '${name}' (bytes ${begin}..${end}) overlaps tensor '${prev}' (ends at ${pos})`);
    if (begin > pos) bad(`gap of ${begin - pos} bytes in the data before tensor '${name}' (bytes ${pos}..${begin} belong to no tensor)`);
    pos = end;
    prev = name;
  }
  if (pos !== data.length) bad(`the file does not end at the last tensor: ${data.length - pos} extra bytes after byte ${pos} of the data`);
  // File order = data order (JSON objects list integer-like names first, whatever the file says).
  return { entries: new Map(spans.map(([name]) => [name, entries.get(name)!])), metadata };
}

/** A typed-array view of raw bytes when aligned on a little-endian host, else an aligned copy. */
function viewAs<T>(bytes: Uint8Array, size: number, Ctor: { new (b: ArrayBufferLike, off: number, len: number): T }, itemBytes: number): T {
  if (LITTLE_ENDIAN && (bytes.byteOffset % itemBytes) === 0) return new Ctor(bytes.buffer, bytes.byteOffset, size);
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  if (!LITTLE_ENDIAN) {
    for (let i = 0; i < copy.length; i += itemBytes) copy.subarray(i, i + itemBytes).reverse();
  }
  return new Ctor(copy.buffer, 0, size);
}

/** IEEE 754 half-precision bits → number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m === 0 ? s * Infinity : NaN;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** The values of a raw tensor as float32 (a zero-copy view for aligned little-endian F32). */
export function toFloat32(raw: RawTensor): Float32Array {
  const size = sizeOf(raw.shape);
  const b = raw.bytes;
  switch (raw.dtype) {
    case 'F32': return viewAs(b, size, Float32Array, 4);
    case 'F64': return Float32Array.from(viewAs(b, size, Float64Array, 8));
    case 'F16': return Float32Array.from(viewAs(b, size, Uint16Array, 2), halfToFloat);
    case 'BF16': {
      const bits = new Uint32Array(size);
      const h = viewAs(b, size, Uint16Array, 2);
      for (let i = 0; i < size; i++) bits[i] = h[i] << 16;
      return new Float32Array(bits.buffer);
    }
    case 'I64': return Float32Array.from(viewAs(b, size, BigInt64Array, 8), (v) => Number(v));
    case 'U64': return Float32Array.from(viewAs(b, size, BigUint64Array, 8), (v) => Number(v));
    case 'I32': return Float32Array.from(viewAs(b, size, Int32Array, 4));
    case 'U32': return Float32Array.from(viewAs(b, size, Uint32Array, 4));
    case 'I16': return Float32Array.from(viewAs(b, size, Int16Array, 2));
    case 'U16': return Float32Array.from(viewAs(b, size, Uint16Array, 2));
    case 'I8': return Float32Array.from(new Int8Array(b.buffer, b.byteOffset, size));
    case 'U8': return Float32Array.from(b);
    case 'BOOL': return Float32Array.from(b, (v) => (v !== 0 ? 1 : 0));
  }
}

/** F64 data as float64 (full precision, e.g. optimizer state); other dtypes via toFloat32. */
export function toFloat64(raw: RawTensor): Float64Array {
  if (raw.dtype === 'F64') return viewAs(raw.bytes, sizeOf(raw.shape), Float64Array, 8).slice();
  return Float64Array.from(toFloat32(raw));
}

/**
 * Reads a safetensors file: every tensor as a float32 Tensor (in file order) and the metadata.
 * @example
 *   const { tensors, metadata } = parseSafetensors(bytes, 'vgg19.safetensors');
 *   const w = tensors.get('features.0.weight');
 */
export function parseSafetensors(bytes: Uint8Array, file = '<bytes>'): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const { entries, metadata } = parseSafetensorsRaw(bytes, file);
  const tensors = new Map<string, Tensor>();
  for (const [name, raw] of entries) tensors.set(name, new Tensor(toFloat32(raw), raw.shape));
  return { tensors, metadata };
}

/** What serializeSafetensors accepts per name: a Tensor (F32) or a typed array with a shape. */
export type TensorEntry = Tensor | { shape: readonly number[]; data: Float32Array | Float64Array };

/**
 * Writes tensors (in the given order) and optional string metadata as safetensors bytes; the
 * header is padded with spaces to a multiple of 8. Tensor → F32, {data: Float64Array} → F64.
 */
export function serializeSafetensors(tensors: Map<string, TensorEntry> | Record<string, TensorEntry>, metadata?: Record<string, string>): Uint8Array {
  const list = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata !== undefined && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new TypeError(`serializeSafetensors: metadata value for '${k}' must be a string, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const [name, t] of list) {
    if (name === '__metadata__') throw new Error("serializeSafetensors: '__metadata__' cannot be a tensor name");
    const data = t.data;
    if (!(data instanceof Float32Array || data instanceof Float64Array)) throw new TypeError(`serializeSafetensors: tensor '${name}' has no Float32Array/Float64Array data`);
    if (data.length !== sizeOf(t.shape)) throw new Error(`serializeSafetensors: tensor '${name}' has ${data.length} values for shape ${fmt(t.shape)}`);
    const dtype = data instanceof Float64Array ? 'F64' : 'F32';
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let pos = 8 + padded;
  for (const [i, c] of chunks.entries()) {
    out.set(c, pos);
    if (!LITTLE_ENDIAN) {
      const w = list[i][1].data.BYTES_PER_ELEMENT;
      for (let j = pos; j < pos + c.length; j += w) out.subarray(j, j + w).reverse();
    }
    pos += c.length;
  }
  return out;
}
