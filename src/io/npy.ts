// NumPy .npy read/write on bytes (engine code: no file system here; see src/node/files.ts).
// Layout: "\x93NUMPY" major minor, header length (u16 LE for v1, u32 LE for v2/v3), then the header,
// a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with
// spaces and '\n' (latin-1 in v1/v2, UTF-8 in v3), then the raw data.
// Reads dtypes f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1 in either byte order, C or Fortran order
// (Fortran data is transposed to C order), into a float32 Tensor; writes '<f4' C order, v1.0
// (v2.0 only when the header would not fit in 64 KiB).
import { Tensor } from '../tensor.js';
import { fmt, sizeOf } from '../shape.js';
import { FormatError, halfToFloat, LITTLE_ENDIAN } from './safetensors.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

type PyValue = string | number | boolean | null | PyValue[] | { [k: string]: PyValue };

/** Parses the Python literal subset numpy writes: dicts, tuples, lists, strings, ints, True/False/None. */
function parsePyLiteral(src: string): PyValue {
  let i = 0;
  const ws = () => {
    while (i < src.length && /\s/.test(src[i])) i++;
  };
  const fail = (what: string): never => {
    throw new Error(`${what} at character ${i}`);
  };
  const value = (): PyValue => {
    ws();
    const c = src[i];
    if (c === '{' || c === '(' || c === '[') {
      const close = c === '{' ? '}' : c === '(' ? ')' : ']';
      i++;
      const items: PyValue[] = [];
      const dict: Record<string, PyValue> = {};
      for (;;) {
        ws();
        if (src[i] === close) {
          i++;
          break;
        }
        const k = value();
        if (c === '{') {
          ws();
          if (src[i++] !== ':') fail("expected ':'");
          if (typeof k !== 'string') fail('dict key is not a string');
          dict[k as string] = value();
        } else items.push(k);
        ws();
        if (src[i] === ',') i++;
        else if (src[i] !== close) fail(`expected ',' or '${close}'`);
      }
      return c === '{' ? dict : items;
    }
    if (c === "'" || c === '"') {
      let s = '';
      for (i++; i < src.length && src[i] !== c; i++) s += src[i] === '\\' ? src[++i] : src[i];
      if (src[i++] !== c) fail('unterminated string');
      return s;
    }
    const m = /^(-?\d+)L?|^(True|False|None)/.exec(src.slice(i));
    if (m === null) return fail('unexpected input');
    i += m[0].length;
    if (m[2] !== undefined) return m[2] === 'True' ? true : m[2] === 'False' ? false : null;
    return Number(m[1]);
  };
  const v = value();
  ws();
  if (i !== src.length) fail('trailing characters');
  return v;
}

interface NpyDtype {
  kind: 'f' | 'i' | 'u' | 'b';
  bytes: number;
  little: boolean;
}

function parseDescr(descr: string): NpyDtype | null {
  const m = /^([<>|=])([fiub])(\d)$/.exec(descr);
  if (m === null) return null;
  const kind = m[2] as NpyDtype['kind'], bytes = Number(m[3]);
  const ok = { f: [2, 4, 8], i: [1, 2, 4, 8], u: [1, 2, 4, 8], b: [1] }[kind].includes(bytes);
  if (!ok || (m[1] === '|' && bytes !== 1)) return null;
  return { kind, bytes, little: m[1] === '>' ? false : m[1] === '=' ? LITTLE_ENDIAN : true };
}

/** n values of the given dtype as float32; zero-copy for aligned native-order '<f4'. */
function decode(dt: NpyDtype, bytes: Uint8Array, n: number): Float32Array {
  if (dt.kind === 'f' && dt.bytes === 4 && dt.little === LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) {
    return new Float32Array(bytes.buffer, bytes.byteOffset, n);
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = dt.little;
  const readers: Record<string, (o: number) => number> = {
    f2: (o: number) => halfToFloat(v.getUint16(o, le)), f4: (o: number) => v.getFloat32(o, le), f8: (o: number) => v.getFloat64(o, le),
    i1: (o: number) => v.getInt8(o), i2: (o: number) => v.getInt16(o, le), i4: (o: number) => v.getInt32(o, le),
    i8: (o: number) => Number(v.getBigInt64(o, le)), u1: (o: number) => v.getUint8(o), u2: (o: number) => v.getUint16(o, le),
    u4: (o: number) => v.getUint32(o, le), u8: (o: number) => Number(v.getBigUint64(o, le)), b1: (o: number) => (v.getUint8(o) !== 0 ? 1 : 0),
  };
  const read = readers[`${dt.kind}${dt.bytes}`];
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = read(i * dt.bytes);
  return out;
}

/** Column-major (Fortran) values → row-major (C) order. */
function fortranToC(src: Float32Array, shape: readonly number[]): Float32Array {
  const out = new Float32Array(src.length);
  const cStrides = shape.map((_, k) => sizeOf(shape.slice(k + 1)));
  const idx = new Array<number>(shape.length).fill(0);
  let c = 0;
  for (let f = 0; f < src.length; f++) {
    out[c] = src[f];
    for (let k = 0; k < shape.length; k++) {
      idx[k]++;
      c += cStrides[k];
      if (idx[k] < shape[k]) break;
      c -= idx[k] * cStrides[k];
      idx[k] = 0;
    }
  }
  return out;
}

/**
 * Reads a .npy file into a float32 Tensor (C order). Errors name the file.
 * @example const t = parseNpy(bytes, 'weights.npy');
 */
export function parseNpy(bytes: Uint8Array, file = '<bytes>'): Tensor {
  const bad = (problem: string): never => {
    throw new FormatError(file, problem);
  };
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) bad('not a .npy file (missing the \\x93NUMPY magic string)');
  const major = bytes[6], minor = bytes[7];
  if (major < 1 || major > 3 || minor !== 0) bad(`unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major > 1 && bytes.length < 12) bad(`${bytes.length} bytes is too short for a version ${major}.0 header`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > bytes.length) bad(`header length ${headerLen} runs past the end of the file (${bytes.length} bytes)`);
  const headerBytes = bytes.subarray(start, start + headerLen);
  let text = '';
  try {
    text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(headerBytes);
  } catch {
    bad('header is not valid UTF-8');
  }
  let header: PyValue = null;
  try {
    header = parsePyLiteral(text);
  } catch (e) {
    bad(`header is not a Python dict literal (${(e as Error).message}): ${JSON.stringify(text.trim().slice(0, 200))}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) bad(`header is not a dict: ${JSON.stringify(text.trim())}`);
  const h = header as Record<string, PyValue>;
  for (const k of ['descr', 'fortran_order', 'shape']) if (!(k in h)) bad(`header lacks the key '${k}'`);
  const extra = Object.keys(h).filter((k) => !['descr', 'fortran_order', 'shape'].includes(k));
  if (extra.length > 0) bad(`header has unexpected keys ${extra.join(', ')}`);
  if (typeof h.descr !== 'string') bad(`structured dtype ${JSON.stringify(h.descr)} is not supported`);
  const dt = parseDescr(h.descr as string);
  if (dt === null) bad(`unsupported dtype '${h.descr}' (supported: f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1, either byte order)`);
  if (typeof h.fortran_order !== 'boolean') bad(`fortran_order must be True or False, got ${JSON.stringify(h.fortran_order)}`);
  const shape = h.shape;
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    bad(`shape ${JSON.stringify(shape)} is not a tuple of non-negative integers`);
  }
  const dims = shape as number[];
  const n = sizeOf(dims);
  const need = n * dt!.bytes;
  const dataLen = bytes.length - start - headerLen;
  if (dataLen !== need) {
    bad(`data holds ${dataLen} bytes but shape ${fmt(dims)} of '${h.descr}' needs ${need}${dataLen < need ? ' (file truncated?)' : ''}`);
  }
  const values = decode(dt!, bytes.subarray(start + headerLen), n);
  return new Tensor(h.fortran_order && dims.length > 1 ? fortranToC(values, dims) : values, dims);
}

/** Writes a Tensor as a '<f4' C-order .npy (v1.0; header padded so the data starts at a multiple of 64). */
export function serializeNpy(t: Tensor | { shape: readonly number[]; data: Float32Array }): Uint8Array {
  if (t.data.length !== sizeOf(t.shape)) throw new Error(`serializeNpy: ${t.data.length} values for shape ${fmt(t.shape)}`);
  const shapeStr = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  let major = 1;
  let pre = 10;
  let total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  if (total - pre > 0xffff) {
    major = 2;
    pre = 12;
    total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  }
  const header = dict + ' '.repeat(total - pre - dict.length - 1) + '\n';
  const out = new Uint8Array(total + t.data.length * 4);
  out.set(MAGIC);
  out[6] = major;
  out[7] = 0;
  const v = new DataView(out.buffer);
  if (major === 1) v.setUint16(8, header.length, true);
  else v.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[pre + i] = header.charCodeAt(i);
  for (let i = 0; i < t.data.length; i++) v.setFloat32(total + i * 4, t.data[i], true);
  return out;
}
