// Named tensors (read by src/node/weights.ts readWeights from any format) → a fast style network,
// recognised by its tensor names:
//   Johnson / pytorch fast_neural_style  `conv1.conv2d.weight`, …, `deconv3.conv2d.bias` (.pth, or
//                                         safetensors saved by ganstyle) → TransformerNet
//   Engstrom, ml5 checkpoint folder      `Variable`, `Variable_1` … `Variable_47`
//   Engstrom, fast-style-*.safetensors   `conv1.kernel`, `conv1.shift`, `conv1.scale`, … (TF layouts)
//   Engstrom, ganstyle state dict        `conv1.weight`, `conv1.norm.weight`, … (EngstromNet's own)
//   ganstyle light network               `res1.expand.weight`, … (MobileStyleNet, `fast train --arch mobile`)
import { Tensor } from '../tensor.js';
import { fmt } from '../shape.js';
import { FormatError } from '../io/safetensors.js';
import { engstromNames, ENGSTROM_VARIABLE_NAMES } from '../io/ml5_checkpoint.js';
import { hwioToOihw } from '../io/keras_h5.js';
import { Module, StateDictError } from '../nn/module.js';
import { TransformerNet } from './transformer_net.js';
import { EngstromNet } from './engstrom.js';
import type { FastStyleNet } from './tiled.js';
import { MobileStyleNet } from './mobile_net.js';

export type FastArch = 'johnson' | 'engstrom' | 'mobile';

export interface NamedWeights {
  /** The file or folder read (for error messages). */
  file: string;
  tensors: Map<string, Tensor>;
}

export interface LoadedFastNet {
  arch: FastArch;
  net: FastStyleNet & Module;
}

/** One recognised layout: how to tell it by its tensor names, and how to build the network. */
interface Layout {
  arch: FastArch;
  describe: string;
  matches: (t: Map<string, Tensor>) => boolean;
  build: (t: Map<string, Tensor>, file: string) => FastStyleNet & Module;
}

// Checkpoints of torch < 0.4 carry InstanceNorm running stats; the example deletes them too.
const johnsonStateDict = (t: Map<string, Tensor>) => Object.fromEntries([...t].filter(([k]) => !/in\d+\.running_(mean|var)$/.test(k)));

const LAYOUTS: Layout[] = [
  {
    arch: 'johnson',
    describe: "pytorch fast_neural_style TransformerNet ('conv1.conv2d.weight', 'in1.weight', …, 'deconv3.conv2d.bias')",
    matches: (t) => t.has('in1.weight') && t.has('deconv3.conv2d.weight'),
    build: (t, file) => load(new TransformerNet(), johnsonStateDict(t), file),
  },
  {
    arch: 'engstrom',
    describe: "Engstrom's network as an ml5 checkpoint folder (manifest.json with 'Variable' … 'Variable_47')",
    matches: (t) => t.has('Variable'),
    build: (t, file) => load(new EngstromNet(), engstromStateDict(engstromNames(t, file), file), file),
  },
  {
    arch: 'engstrom',
    describe: "Engstrom's network as fast-style-*.safetensors ('conv1.kernel', 'conv1.shift', 'conv1.scale', …)",
    matches: (t) => t.has('conv1.kernel'),
    build: (t, file) => load(new EngstromNet(), engstromStateDict(t, file), file),
  },
  {
    arch: 'engstrom',
    describe: "Engstrom's network as saved by ganstyle ('conv1.weight', 'conv1.norm.weight', …)",
    matches: (t) => t.has('conv1.weight') && t.has('conv1.norm.weight'),
    build: (t, file) => load(new EngstromNet(), Object.fromEntries(t), file),
  },
  {
    arch: 'mobile',
    describe: "ganstyle's light network ('res1.expand.weight', …; fast train --arch mobile)",
    matches: (t) => t.has('res1.expand.weight'),
    build: (t, file) => load(new MobileStyleNet(), Object.fromEntries(t), file),
  },
];

/**
 * Engstrom's TF tensors (descriptive names, TF layouts) → EngstromNet state dict:
 * `<layer>.kernel` HWIO (or [kh, kw, out, in]) → `<layer>.weight` OIHW (or [in, out, kh, kw]),
 * `<layer>.scale` → `<layer>.norm.weight` (γ), `<layer>.shift` → `<layer>.norm.bias` (β).
 */
export function engstromStateDict(tf: Map<string, Tensor>, file: string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const name of ENGSTROM_VARIABLE_NAMES) {
    const t = tf.get(name);
    if (t === undefined) throw new FormatError(file, `tensor '${name}' is missing: not a complete Engstrom fast-style network`);
    const [layer, part] = [name.slice(0, name.lastIndexOf('.')), name.slice(name.lastIndexOf('.') + 1)];
    if (part === 'kernel') {
      if (t.ndim !== 4) throw new FormatError(file, `'${name}' has shape ${fmt(t.shape)}, expected a 4-D kernel [kh, kw, in, out]`);
      // [kh, kw, a, b] → [b, a, kh, kw]: HWIO → OIHW, and TF's deconv [kh, kw, out, in] → torch's [in, out, kh, kw].
      out[`${layer}.weight`] = hwioToOihw(t);
    } else {
      out[`${layer}.norm.${part === 'scale' ? 'weight' : 'bias'}`] = t;
    }
  }
  const extra = [...tf.keys()].filter((k) => !ENGSTROM_VARIABLE_NAMES.includes(k));
  if (extra.length > 0) throw new FormatError(file, `unexpected tensors for Engstrom's network: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}`);
  return out;
}

function load<N extends Module>(net: N, sd: Record<string, Tensor>, file: string): N {
  try {
    net.loadStateDict(sd);
  } catch (e) {
    if (e instanceof StateDictError) throw new FormatError(file, e.message);
    throw e;
  }
  net.eval();
  return net;
}

/** The network the tensors describe, with them loaded (eval mode). */
export function fastNetFromWeights(w: NamedWeights): LoadedFastNet {
  const { file, tensors } = w;
  const layout = LAYOUTS.find((l) => l.matches(tensors));
  if (layout !== undefined) return { arch: layout.arch, net: layout.build(tensors, file) };
  const names = [...tensors.keys()];
  throw new FormatError(file, `not a fast style network: tensors ${names.slice(0, 4).map((n) => `'${n}'`).join(', ')}${names.length > 4 ? ', …' : ''} match none of the known layouts:\n  ${LAYOUTS.map((l) => l.describe).join('\n  ')}`);
}
