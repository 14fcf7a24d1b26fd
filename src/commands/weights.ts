// `ganstyle weights fetch vgg19`: downloads the Keras ImageNet VGG-19 "notop" weights from their
// official address (the one keras.applications.VGG19 uses), checks Keras' MD5, converts them to
// safetensors in torchvision's layout with RGB conv1_1 and the preprocessing in the metadata, and
// keeps them in the cache folder that `stylize` reads by default. `--from FILE` converts an .h5
// downloaded elsewhere (offline machines). A failed download fails fast and names --weights PATH.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import cliProgress from 'cli-progress';
import type { Tensor } from '../tensor.js';
import { parseKerasH5 } from '../io/keras_h5.js';
import { serializeSafetensors } from '../io/safetensors.js';
import { VGG } from '../style/vgg.js';
import { readFileBytes, writeFileAtomic } from '../node/files.js';
import { cacheDir, defaultWeightsPath } from './stylize.js';

export const VGG19_NOTOP = {
  url: 'https://storage.googleapis.com/tensorflow/keras-applications/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5',
  /** keras.applications.vgg19: get_file(..., file_hash='253f8cb515780f3b799900260a226db6') (MD5). */
  md5: '253f8cb515780f3b799900260a226db6',
  bytes: 80134624,
};

export interface FetchOptions {
  /** Convert this local .h5 instead of downloading. */
  from?: string;
  /** Skip the MD5 check (only with --from: for other conversions of the same layout). */
  check?: boolean;
  /** Download and convert again even if the cached file exists. */
  force?: boolean;
  quiet?: boolean;
}

const offlineHint = 'without these weights, pass --weights PATH to `ganstyle stylize` (safetensors, torchvision .pth, Keras .h5 or a TF.js model folder, e.g. ../shared/models/vgg19-features-conv1_1-conv3_4.safetensors), or download the file elsewhere and run `ganstyle weights fetch vgg19 --from FILE.h5`';

async function download(url: string, quiet: boolean): Promise<Uint8Array> {
  let res: Response;
  try {
    // fail fast offline: DNS and connection errors come at once; a silent network within 20 s
    res = await fetch(url, { signal: AbortSignal.timeout(20_000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot download ${url} (${cause?.code ?? cause?.message ?? (e as Error).message}); ${offlineHint}`);
  }
  if (!res.ok || res.body === null) throw new Error(`cannot download ${url} (HTTP ${res.status} ${res.statusText}); ${offlineHint}`);
  const total = Number(res.headers.get('content-length')) || VGG19_NOTOP.bytes;
  const bar = new cliProgress.SingleBar({ format: 'downloading {bar} {percentage}% | {mb}/{total_mb} MB | ETA {eta_formatted}', noTTYOutput: true, notTTYSchedule: 5000, hideCursor: true }, cliProgress.Presets.shades_classic);
  const mb = (n: number) => (n / 1e6).toFixed(1);
  if (!quiet) bar.start(total, 0, { mb: '0.0', total_mb: mb(total) });
  const chunks: Uint8Array[] = [];
  let got = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      chunks.push(chunk);
      got += chunk.length;
      if (!quiet) bar.update(Math.min(got, total), { mb: mb(got) });
    }
  } catch (e) {
    throw new Error(`download of ${url} broke off after ${got} bytes (${(e as Error).message}); ${offlineHint}`);
  } finally {
    if (!quiet) bar.stop();
  }
  const out = new Uint8Array(got);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Makes the cached VGG-19 weights (downloading unless `from` is given); returns their path.
 * GANSTYLE_WEIGHTS_URL overrides the address (mirrors).
 */
export async function fetchWeights(name: string, opts: FetchOptions = {}, print: (l: string) => void = console.log): Promise<string> {
  if (name !== 'vgg19') throw new Error(`weights fetch: unknown weights '${name}' (known: vgg19)`);
  const out = defaultWeightsPath();
  if (existsSync(out) && !opts.force) {
    print(`${out} is already there (use --force to fetch again)`);
    return out;
  }
  const url = process.env.GANSTYLE_WEIGHTS_URL || VGG19_NOTOP.url;
  const source = opts.from ?? url;
  const bytes = opts.from !== undefined ? readFileBytes(opts.from) : await download(url, opts.quiet ?? false);
  const md5 = createHash('md5').update(bytes).digest('hex');
  if ((opts.check ?? true) && md5 !== VGG19_NOTOP.md5) {
    throw new Error(`${source}: MD5 ${md5} is not Keras' ${VGG19_NOTOP.md5} for vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5 (${bytes.length} bytes; a corrupt or different file)`);
  }
  const keras = await parseKerasH5(bytes, source);
  // names by layer and rank (the 2016 release calls them block1_conv1_W_1:0; later saves block1_conv1/kernel:0)
  const tensors = new Map<string, Tensor>();
  for (const l of keras.layers) {
    for (const w of l.weights) {
      const t = keras.tensors.get(w)!;
      if (t.ndim === 4) tensors.set(`${l.name}/kernel`, t);
      else if (t.ndim === 1) tensors.set(`${l.name}/bias`, t);
    }
  }
  const vgg = VGG.fromWeights({ tensors, metadata: keras.metadata, format: 'keras-h5', file: source }, { arch: 'vgg19' });
  const p = vgg.preprocessing;
  const metadata = {
    source: `${source} (MD5 ${md5}), converted by ganstyle weights fetch`,
    layers: `${vgg.layerNames()[0]} … ${vgg.layerNames().at(-1)}`,
    input: `RGB order, pixel range 0-255, subtract mean RGB [${p.mean.join(', ')}], no std division`,
    preprocessing: JSON.stringify({ channelOrder: 'RGB', range: 255, mean: p.mean, std: null }),
    layout: 'torchvision vgg19().features: features.{i}.weight OIHW, conv1_1 input channels RGB',
  };
  mkdirSync(cacheDir(), { recursive: true });
  writeFileAtomic(out, serializeSafetensors(new Map(Object.entries(vgg.stateDict()).map(([k, t]) => [k, { data: t.data, shape: t.shape }])), metadata));
  print(`wrote ${out} (${vgg.layerNames().filter((l) => l.startsWith('conv')).length} conv layers, ${metadata.layers}); stylize uses it by default`);
  return out;
}
