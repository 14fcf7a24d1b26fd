// Keras HDF5 weights (`model.save_weights('w.h5')` and the `model_weights` group of `model.save`,
// Keras 2 / tf.keras h5 layout) read with h5wasm (the HDF5 C library compiled to WASM; no native
// build). Layout:
//   /                       attrs layer_names = [layer, …], keras_version, backend
//   /<layer>                attrs weight_names = ['<layer>/kernel:0', '<layer>/bias:0']
//   /<layer>/<weight_name>  dataset (the weight name is a path: /block1_conv1/block1_conv1/kernel:0)
// Tensors keep Keras's names and layout (Conv2D kernel HWIO [kh, kw, Cin, Cout]); hwioToOihw turns
// a kernel into torch's OIHW: W[o, i, h, w] = K[h, w, i, o].
import { Tensor } from '../tensor.js';
import { fmt, ShapeError } from '../shape.js';
import { FormatError } from './safetensors.js';

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]; // \x89HDF\r\n\x1a\n

/** Byte offset of the HDF5 superblock (0, 512, 1024, … as the spec allows), or -1. */
export function hdf5SuperblockOffset(bytes: Uint8Array): number {
  for (let at = 0; at + 8 <= bytes.length; at = at === 0 ? 512 : at * 2) {
    if (SIGNATURE.every((b, i) => bytes[at + i] === b)) return at;
  }
  return -1;
}

/** The end-of-file address the superblock records (bytes the file must have), if readable. */
function storedEof(bytes: Uint8Array, at: number): number | undefined {
  const version = bytes[at + 8];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sizeOfOffsets = version <= 1 ? bytes[at + 13] : bytes[at + 9];
  // v0: base address at 24, then free-space, EOF; v1 has 4 more bytes; v2/v3: base at 12, extension, EOF
  const base = version === 0 ? at + 24 : version === 1 ? at + 28 : at + 12;
  const eofAt = base + 2 * sizeOfOffsets;
  if (sizeOfOffsets !== 8 || eofAt + 8 > bytes.length || version > 3) return undefined;
  const baseAddress = Number(view.getBigUint64(base, true));
  return baseAddress + Number(view.getBigUint64(eofAt, true));
}

let fileCounter = 0;

export interface KerasWeights {
  /** Every weight by its Keras name (`block1_conv1/kernel:0`), in layer order. */
  tensors: Map<string, Tensor>;
  /** keras_version, backend (root attributes) and layer_names (comma-separated). */
  metadata: Record<string, string>;
  /** The layers listed in layer_names, with the weight names of each (empty for pools, inputs). */
  layers: { name: string; weights: string[] }[];
}

/**
 * Reads Keras h5 weights from bytes (async: h5wasm's WASM module is loaded on first use).
 * @example
 *   const { tensors } = await parseKerasH5(bytes, 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5');
 *   const k = tensors.get('block1_conv1/kernel:0'); // [3, 3, 3, 64] HWIO
 */
export async function parseKerasH5(bytes: Uint8Array, file = '<bytes>'): Promise<KerasWeights> {
  const bad = (problem: string): never => {
    throw new FormatError(file, problem);
  };
  const at = hdf5SuperblockOffset(bytes);
  if (at < 0) bad('not an HDF5 file (no \\x89HDF signature at byte 0, 512, 1024, …)');
  const eof = storedEof(bytes, at);
  if (eof !== undefined && eof > bytes.length) bad(`truncated HDF5 file: the superblock says it has ${eof} bytes but only ${bytes.length} are present`);

  const h5 = await import('h5wasm');
  await h5.ready;
  const FS = h5.FS!;
  const tmp = `/ganstyle-keras-${++fileCounter}.h5`;
  FS.writeFile(tmp, bytes);
  let f: InstanceType<typeof h5.File> | undefined;
  try {
    try {
      f = new h5.File(tmp, 'r');
      f.keys();
    } catch (e) {
      return bad(`HDF5 library cannot open the file (${(e as Error).message})`);
    }
    let root: InstanceType<typeof h5.Group> = f;
    const attrs = (g: InstanceType<typeof h5.Group>): Record<string, unknown> => Object.fromEntries(Object.keys(g.attrs).map((k) => [k, g.attrs[k].value]));
    let rootAttrs = attrs(root);
    if (rootAttrs.layer_names === undefined && f.keys().includes('model_weights')) {
      root = f.get('model_weights') as InstanceType<typeof h5.Group>; // model.save(): weights live here
      rootAttrs = attrs(root);
    }
    if (rootAttrs.layer_names === undefined) {
      const hint = f.keys().includes('layers') ? ' (this looks like the Keras 3 `.weights.h5` layout, which is not supported)' : '';
      bad(`no 'layer_names' attribute at the root or in /model_weights: not a Keras save_weights file${hint}`);
    }
    const strings = (v: unknown, what: string): string[] => {
      const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : bad(`${what} is not a list of strings`);
      return list.map((x) => (typeof x === 'string' ? x : x instanceof Uint8Array ? new TextDecoder().decode(x) : bad(`${what} holds a non-string ${String(x)}`)));
    };
    const tensors = new Map<string, Tensor>();
    const layers: KerasWeights['layers'] = [];
    for (const layer of strings(rootAttrs.layer_names, 'layer_names')) {
      const g = root.get(layer);
      if (!(g instanceof h5.Group)) bad(`layer '${layer}' is listed in layer_names but has no group`);
      const names = strings(attrs(g as InstanceType<typeof h5.Group>).weight_names ?? [], `${layer}/weight_names`);
      for (const name of names) {
        const d = (g as InstanceType<typeof h5.Group>).get(name);
        if (!(d instanceof h5.Dataset)) bad(`weight '${name}' of layer '${layer}' is listed in weight_names but has no dataset`);
        const ds = d as InstanceType<typeof h5.Dataset>;
        const shape = ds.shape ?? [];
        const v = ds.value;
        let data: Float32Array;
        if (v instanceof Float32Array) data = v;
        else if (v instanceof BigInt64Array || v instanceof BigUint64Array) data = Float32Array.from(v, (x) => Number(x));
        else if (ArrayBuffer.isView(v)) data = Float32Array.from(v as unknown as ArrayLike<number>);
        else if (typeof v === 'number') data = Float32Array.of(v);
        else return bad(`weight '${name}' has the unsupported HDF5 type ${JSON.stringify(ds.dtype)}`);
        if (data.length !== shape.reduce((a, b) => a * b, 1)) bad(`weight '${name}': ${data.length} values for shape ${fmt(shape)}`);
        if (tensors.has(name)) bad(`weight name '${name}' appears twice`);
        tensors.set(name, new Tensor(data, shape));
      }
      layers.push({ name: layer, weights: names });
    }
    const metadata: Record<string, string> = { layer_names: layers.map((l) => l.name).join(',') };
    for (const k of ['keras_version', 'backend']) if (typeof rootAttrs[k] === 'string') metadata[k] = rootAttrs[k] as string;
    return { tensors, metadata, layers };
  } finally {
    f?.close();
    FS.unlink(tmp);
  }
}

/** A Keras / TF Conv2D kernel HWIO [kh, kw, Cin, Cout] → torch OIHW [Cout, Cin, kh, kw]. */
export function hwioToOihw(k: Tensor): Tensor {
  if (k.ndim !== 4) throw new ShapeError(`hwioToOihw: expected a kernel [kh, kw, Cin, Cout], got ${fmt(k.shape)}`);
  const [kh, kw, ci, co] = k.shape;
  const out = new Float32Array(k.size);
  const src = k.data;
  for (let h = 0; h < kh; h++) {
    for (let w = 0; w < kw; w++) {
      for (let i = 0; i < ci; i++) {
        const row = ((h * kw + w) * ci + i) * co;
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + h) * kw + w] = src[row + o];
      }
    }
  }
  return new Tensor(out, [co, ci, kh, kw]);
}

/** Reverses the input channels of an OIHW kernel (BGR-trained first layer → RGB input). */
export function flipInputChannels(w: Tensor): Tensor {
  if (w.ndim !== 4) throw new ShapeError(`flipInputChannels: expected a kernel [Cout, Cin, kh, kw], got ${fmt(w.shape)}`);
  const [co, ci, kh, kw] = w.shape;
  const plane = kh * kw;
  const out = new Float32Array(w.size);
  for (let o = 0; o < co; o++) {
    for (let i = 0; i < ci; i++) out.set(w.data.subarray((o * ci + i) * plane, (o * ci + i + 1) * plane), (o * ci + (ci - 1 - i)) * plane);
  }
  return new Tensor(out, w.shape);
}
