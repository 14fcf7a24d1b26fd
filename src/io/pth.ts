// PyTorch `.pth` / `.pt` files as `torch.save` writes them (PyTorch ≥ 1.6): a zip archive
//   <name>/data.pkl      the pickled object (protocol 2): usually a dict / OrderedDict of tensors
//   <name>/data/<key>    one raw storage per key, little-endian (see <name>/byteorder), C order
//   <name>/version, <name>/byteorder, <name>/.data/…   bookkeeping
// A tensor in data.pkl is REDUCE(torch._utils._rebuild_tensor_v2, (storage, offset, size, stride,
// requires_grad, backward_hooks)), with storage = BINPERSID(('storage', torch.FloatStorage, key,
// location, numel)); values are storage[offset + Σ idx·stride].
// Safety: the pickle is parsed by `pickleparser` (a pickle VM in JS that calls nothing by itself)
// with a name resolver that knows ONLY the globals that rebuild tensors (the ALLOWED table below);
// any other global (os.system, builtins.eval, …) is refused before anything is built, so no code
// named by the file ever runs. Every error names the file and the problem.
import { unzipSync } from 'fflate';
import { BufferReader, Parser } from 'pickleparser';
import { Tensor } from '../tensor.js';
import { fmt, sizeOf } from '../shape.js';
import { DTYPE_BYTES, FormatError, toFloat32, type Dtype } from './safetensors.js';

/** Storage classes (`torch.FloatStorage`, …) and dtypes (`torch.float32`, …) → element type. */
const STORAGE_DTYPES: Record<string, Dtype> = {
  FloatStorage: 'F32', DoubleStorage: 'F64', HalfStorage: 'F16', BFloat16Storage: 'BF16',
  LongStorage: 'I64', IntStorage: 'I32', ShortStorage: 'I16', CharStorage: 'I8', ByteStorage: 'U8',
  BoolStorage: 'BOOL', UntypedStorage: 'U8',
};
const TORCH_DTYPES: Record<string, Dtype> = {
  float32: 'F32', float: 'F32', float64: 'F64', double: 'F64', float16: 'F16', half: 'F16', bfloat16: 'BF16',
  int64: 'I64', long: 'I64', int32: 'I32', int: 'I32', int16: 'I16', short: 'I16', int8: 'I8', uint8: 'U8', bool: 'BOOL',
};

/** What an allowed global stands for; the pickle only ever sees these opaque tokens. */
type Token =
  | { kind: 'storage-type'; name: string; dtype: Dtype }
  | { kind: 'dtype'; name: string; dtype: Dtype }
  | { kind: 'class'; name: string };

/** A storage as referenced by BINPERSID, its bytes already taken from the archive. */
interface Storage {
  key: string;
  dtype: Dtype;
  numel: number;
  bytes: Uint8Array;
  values?: Float32Array;
}

/** The non-tensor parts of a checkpoint are plain JS values: Map (dict), Array (tuple/list), primitives. */
export type PickleValue = unknown;

export interface PthContents {
  /** Every tensor in the pickled object by dotted path (`features.0.weight`; `state_dict.fc.bias`). */
  tensors: Map<string, Tensor>;
  /** Scalar (string / number / boolean) entries of the object by dotted path, as strings. */
  metadata: Record<string, string>;
  /** The unpickled object itself: Maps, Arrays, Tensors and primitives. */
  root: PickleValue;
}

const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  return bytes.length >= at + prefix.length && prefix.every((b, i) => bytes[at + i] === b);
}

/** A short description of what the bytes are when they are not a torch.save zip (for errors). */
function notZipReason(bytes: Uint8Array): string {
  if (startsWith(bytes, LEGACY_MAGIC)) {
    return 'legacy torch.save format (PyTorch < 1.6 or _use_new_zipfile_serialization=False) is not supported; '
      + 're-save it with PyTorch ≥ 1.6: torch.save(torch.load(f), "new.pth")';
  }
  if (bytes.length > 262 && String.fromCharCode(...bytes.subarray(257, 262)) === 'ustar') {
    return 'legacy tar torch.save format (PyTorch < 0.4) is not supported; re-save it with PyTorch ≥ 1.6';
  }
  if (bytes[0] === 0x80) return 'a bare pickle, not a torch.save zip archive (legacy or pickle.dump output is not supported)';
  return `not a torch.save file: expected a zip archive (bytes 'PK\\x03\\x04'), got ${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`;
}

/** True when bytes look like a torch.save file (zip) or a legacy torch pickle (for format sniffing). */
export function looksLikePth(bytes: Uint8Array): boolean {
  return startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, LEGACY_MAGIC);
}

/** The archive's entries (name → bytes); a missing end-of-central-directory record means truncation. */
function readZip(bytes: Uint8Array, bad: (p: string) => never): Record<string, Uint8Array> {
  if (!startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) bad(notZipReason(bytes));
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (bytes[i] === 0x50 && bytes[i + 1] === 0x4b && bytes[i + 2] === 0x05 && bytes[i + 3] === 0x06) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) bad(`truncated zip archive: no end-of-central-directory record in the last bytes (file is ${bytes.length} bytes; was the download cut off?)`);
  try {
    return unzipSync(bytes);
  } catch (e) {
    return bad(`corrupt zip archive (${(e as Error).message})`);
  }
}

/**
 * Reads a torch.save file: every tensor converted to float32 (float16/bfloat16/float64/integer
 * storages included), honouring storage offsets and strides (views, shared storages).
 * @example
 *   const { tensors } = parsePth(bytes, 'transformer.pth');
 *   net.loadStateDict(Object.fromEntries(tensors));
 */
export function parsePth(bytes: Uint8Array, file = '<bytes>'): PthContents {
  const bad = (problem: string): never => {
    throw new FormatError(file, problem);
  };
  const entries = readZip(bytes, bad);
  const names = Object.keys(entries);
  const pkl = names.filter((n) => n === 'data.pkl' || /^[^/]+\/data\.pkl$/.test(n));
  if (pkl.length !== 1) bad(`zip archive is not a torch.save file: expected one '<name>/data.pkl', found ${pkl.length === 0 ? 'none' : pkl.join(', ')} among ${names.length} entries`);
  const base = pkl[0].slice(0, -'data.pkl'.length);
  const order = entries[`${base}byteorder`];
  const bigEndian = order !== undefined && new TextDecoder().decode(order).trim() === 'big';

  const storages = new Map<string, Storage>();
  const loadStorage = (pid: unknown): Storage => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) bad(`data.pkl: unsupported persistent id ${describe(pid)} (expected ('storage', type, key, location, numel))`);
    const [, type, key, , numel] = pid as [string, unknown, unknown, unknown, unknown];
    const tok = tokenOf(type);
    if (tok === undefined || tok.kind !== 'storage-type') bad(`data.pkl: persistent id names ${describe(type)}, not a torch storage type`);
    if (typeof key !== 'string' || !Number.isSafeInteger(numel) || (numel as number) < 0) bad(`data.pkl: malformed storage reference ${describe(pid)}`);
    const k = key as string;
    const seen = storages.get(k);
    if (seen !== undefined) return seen;
    const data = entries[`${base}data/${k}`];
    if (data === undefined) bad(`storage '${k}' used by data.pkl is missing from the archive (no entry '${base}data/${k}')`);
    const { dtype } = tok as { dtype: Dtype };
    const need = (numel as number) * DTYPE_BYTES[dtype];
    if (data.length < need) bad(`storage '${k}' (${base}data/${k}) holds ${data.length} bytes but ${numel} × ${(tok as Token).name} needs ${need}`);
    const s: Storage = { key: k, dtype, numel: numel as number, bytes: data.subarray(0, need) };
    storages.set(k, s);
    return s;
  };

  const valuesOf = (s: Storage): Float32Array => {
    if (s.values === undefined) {
      let b = s.bytes;
      const w = DTYPE_BYTES[s.dtype];
      if (bigEndian && w > 1) {
        b = b.slice();
        for (let i = 0; i < b.length; i += w) b.subarray(i, i + w).reverse();
      }
      s.values = toFloat32({ dtype: s.dtype, shape: [s.numel], bytes: b });
    }
    return s.values;
  };

  const rebuild = (storage: unknown, offset: unknown, size: unknown, stride: unknown): Tensor => {
    if (!isStorage(storage)) bad(`data.pkl: _rebuild_tensor got ${describe(storage)} instead of a storage`);
    const s = storage as Storage;
    const shape = intList(size), strides = intList(stride);
    if (shape === undefined || strides === undefined || shape.length !== strides.length || !Number.isSafeInteger(offset) || (offset as number) < 0) {
      bad(`data.pkl: tensor on storage '${s.key}' has malformed offset/size/stride ${describe([offset, size, stride])}`);
    }
    return gather(valuesOf(s), offset as number, shape!, strides!, () => bad(`data.pkl: tensor of shape ${fmt(shape!)} with stride ${fmt(strides!)} at offset ${offset} reads past the end of storage '${s.key}' (${s.numel} elements)`));
  };

  const storageMarks = new WeakSet<object>();
  const isStorage = (v: unknown): boolean => typeof v === 'object' && v !== null && storageMarks.has(v);
  const dtypeArg = (v: unknown): Dtype | undefined => {
    const t = tokenOf(v);
    return t !== undefined && t.kind === 'dtype' ? t.dtype : undefined;
  };
  // Functions the pickle may call (REDUCE). Arrow functions: NEWOBJ/OBJ/INST cannot construct them.
  const callables: Record<string, (...a: unknown[]) => unknown> = {
    'torch._utils._rebuild_tensor_v2': (st, off, size, stride) => rebuild(st, off, size, stride),
    'torch._utils._rebuild_tensor': (st, off, size, stride) => rebuild(st, off, size, stride),
    'torch._utils._rebuild_tensor_v3': (st, off, size, stride, _rg, _hooks, dtype) => {
      const d = dtypeArg(dtype);
      if (d === undefined || !isStorage(st)) return bad(`data.pkl: _rebuild_tensor_v3 with ${describe(dtype)}`);
      const s = st as Storage;
      if (s.dtype !== d) {
        // an untyped (byte) storage reinterpreted with the tensor's dtype
        if (s.bytes.length % DTYPE_BYTES[d] !== 0) bad(`data.pkl: storage '${s.key}' of ${s.bytes.length} bytes cannot hold ${d} values`);
        const typed: Storage = { key: s.key, dtype: d, numel: s.bytes.length / DTYPE_BYTES[d], bytes: s.bytes };
        storageMarks.add(typed);
        return rebuild(typed, off, size, stride);
      }
      return rebuild(s, off, size, stride);
    },
    'torch._utils._rebuild_parameter': (data) => asTensor(data, '_rebuild_parameter'),
    'torch._utils._rebuild_parameter_with_state': (data) => asTensor(data, '_rebuild_parameter_with_state'),
    'torch._tensor._rebuild_from_type_v2': (func, newType, args) => {
      const t = tokenOf(newType);
      if (typeof func !== 'function' || !allowedFns.has(func as (...a: unknown[]) => unknown) || t === undefined || t.kind !== 'class' || !Array.isArray(args)) {
        return bad(`data.pkl: _rebuild_from_type_v2 with ${describe([func, newType])}`);
      }
      return asTensor((func as (...a: unknown[]) => unknown)(...args), '_rebuild_from_type_v2');
    },
    'collections.OrderedDict': (items) => {
      const m = new Map<unknown, unknown>();
      if (Array.isArray(items)) for (const kv of items) if (Array.isArray(kv) && kv.length === 2) m.set(kv[0], kv[1]);
      return m;
    },
    'torch.Size': (dims) => (Array.isArray(dims) ? [...dims] : bad(`data.pkl: torch.Size of ${describe(dims)}`)),
    '_codecs.encode': (text, enc) => {
      if (typeof text !== 'string' || (enc !== 'latin1' && enc !== 'latin-1')) return bad(`data.pkl: _codecs.encode(${describe(text)}, ${describe(enc)})`);
      return Uint8Array.from(text, (ch) => ch.charCodeAt(0) & 0xff);
    },
  };
  const asTensor = (v: unknown, where: string): Tensor => (v instanceof Tensor ? v : bad(`data.pkl: ${where} got ${describe(v)} instead of a tensor`));
  const allowedFns = new Set(Object.values(callables));

  const tokens = new Map<string, (...a: unknown[]) => unknown>();
  const tokenInfo = new WeakMap<object, Token>();
  const tokenOf = (v: unknown): Token | undefined => (typeof v === 'function' ? tokenInfo.get(v) : undefined);
  const makeToken = (t: Token) => {
    const fn = () => bad(`data.pkl calls ${t.name}, which is not callable here`);
    tokenInfo.set(fn, t);
    return fn;
  };
  for (const [name, dtype] of Object.entries(STORAGE_DTYPES)) tokens.set(`torch.${name}`, makeToken({ kind: 'storage-type', name: `torch.${name}`, dtype }));
  for (const [name, dtype] of Object.entries(TORCH_DTYPES)) tokens.set(`torch.${name}`, makeToken({ kind: 'dtype', name: `torch.${name}`, dtype }));
  for (const name of ['torch.Tensor', 'torch._tensor.Tensor', 'torch.nn.parameter.Parameter', 'torch.nn.Parameter']) tokens.set(name, makeToken({ kind: 'class', name }));
  for (const [name, fn] of Object.entries(callables)) tokens.set(name, fn);

  const parser = new Parser({
    unpicklingTypeOfDictionary: 'Map',
    unpicklingTypeOfSet: 'array',
    nameResolver: {
      resolve(module: string, name: string) {
        const full = `${module}.${name}`;
        const fn = tokens.get(full);
        if (fn === undefined) {
          throw new FormatError(file, `data.pkl references the Python global '${full}', which is not a torch tensor-rebuilding function; refusing to load it (nothing in the file is executed)`);
        }
        return fn;
      },
    },
    persistentResolver: {
      resolve(pid: unknown) {
        const s = loadStorage(pid);
        storageMarks.add(s);
        return s;
      },
    },
    extensionResolver: {
      resolve(code: number) {
        throw new FormatError(file, `data.pkl uses the pickle extension code ${code}, which is not supported`);
      },
    },
  });
  const reader = new BufferReader(entries[pkl[0]]);
  let root: unknown;
  try {
    root = parser.read(reader);
  } catch (e) {
    if (e instanceof FormatError) throw e;
    const msg = (e as Error).message;
    const op = /Unsupported opcode '(\d+)'/.exec(msg);
    if (op !== null) bad(`data.pkl: unknown pickle opcode 0x${Number(op[1]).toString(16).padStart(2, '0')} at byte ${reader.position - 1}`);
    if (/end of file|more bytes/i.test(msg)) bad(`data.pkl is truncated at byte ${reader.position} (${msg})`);
    bad(`data.pkl: cannot unpickle (${msg}) at byte ${reader.position}`);
  }
  const tensors = new Map<string, Tensor>();
  const metadata: Record<string, string> = {};
  collect(root, '', tensors, metadata, new Set());
  for (const [name, t] of tensors) {
    // a BUILD opcode aimed at a tensor could have replaced its fields
    if (!(t.data instanceof Float32Array) || !Array.isArray(t.shape) || intList(t.shape) === undefined || t.data.length !== sizeOf(t.shape)) {
      bad(`data.pkl: tensor '${name}' was altered after it was built (its data no longer matches its shape)`);
    }
  }
  return { tensors, metadata, root };
}

/** Copies storage[offset + Σ idx·stride] into a contiguous tensor (C order). */
function gather(src: Float32Array, offset: number, shape: number[], strides: number[], outOfRange: () => never): Tensor {
  const n = sizeOf(shape);
  if (n === 0) return new Tensor(new Float32Array(0), shape);
  let last = offset;
  for (let d = 0; d < shape.length; d++) last += (shape[d] - 1) * strides[d];
  if (last >= src.length || strides.some((s) => s < 0)) outOfRange();
  const contiguous = strides.every((s, d) => s === sizeOf(shape.slice(d + 1)) || shape[d] === 1);
  if (contiguous) return new Tensor(src.slice(offset, offset + n), shape);
  const out = new Float32Array(n);
  const idx = new Array<number>(shape.length).fill(0);
  let pos = offset;
  for (let i = 0; i < n; i++) {
    out[i] = src[pos];
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]++;
      pos += strides[d];
      if (idx[d] < shape[d]) break;
      pos -= shape[d] * strides[d];
      idx[d] = 0;
    }
  }
  return new Tensor(out, shape);
}

function intList(v: unknown): number[] | undefined {
  return Array.isArray(v) && v.every((d) => Number.isSafeInteger(d) && d >= 0) ? (v as number[]) : undefined;
}

/** Walks dicts (Map), tuples/lists (Array): tensors and scalars by dotted path. */
function collect(v: unknown, path: string, tensors: Map<string, Tensor>, metadata: Record<string, string>, seen: Set<unknown>): void {
  if (v instanceof Tensor) {
    tensors.set(path === '' ? 'tensor' : path, v);
    return;
  }
  const join = (k: unknown) => (path === '' ? String(k) : `${path}.${String(k)}`);
  if (v instanceof Map || Array.isArray(v)) {
    if (seen.has(v)) return;
    seen.add(v);
    const items: [unknown, unknown][] = v instanceof Map ? [...v] : v.map((x, i) => [i, x]);
    for (const [k, x] of items) if (typeof k === 'string' || typeof k === 'number') collect(x, join(k), tensors, metadata, seen);
    return;
  }
  if ((typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') && path !== '') metadata[path] = String(v);
}

function describe(v: unknown): string {
  if (typeof v === 'function') return 'a function';
  try {
    const s = JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x instanceof Uint8Array ? `<${x.length} bytes>` : x));
    return s === undefined ? String(v) : s.length > 120 ? `${s.slice(0, 117)}...` : s;
  } catch {
    return String(v);
  }
}
