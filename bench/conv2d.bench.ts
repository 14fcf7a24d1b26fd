// conv2d on the VGG-19 layer shapes at a 256² input: one image, 3×3, stride 1, padding 1, no bias —
// (3→64, 256²), (64→64, 256²), (128→128, 128²), (256→256, 64²), (512→512, 32²): the forward, and the
// backward (∂x by conv_transpose2d + ∂w by conv2d_weight: 2× the forward FLOPs). Also 3×3 depthwise
// convs of a light MobileNet-style network (64 and 128 channels, 128²–512²), forward and backward,
// and the peak memory of a whole VGG-19 forward + backward.
// FLOPs = 2·N·Cout·Ho·Wo·(Cin/groups)·kh·kw. ganstyle runs its ops on the active backend without
// recording a graph.
//
// Run directly (after `npm run build`): node dist/bench/conv2d.bench.js [--threads N] [--quick] [--peers]
//   [--reps R] [--memory SIZE [--conv-layers L]]. Rows give the median wall time of R calls and the
//   median CPU time of the process over the same calls (robust on a shared machine, but it counts
//   every thread: at N threads it is the sum). --memory runs VGG-19 forward + backward (∂x and ∂w)
//   at SIZE² once and prints the process's peak RSS and the WASM memory size (run it in a fresh process).
import { pathToFileURL } from 'node:url';
import { Tensor } from '../src/tensor.js';
import { F } from '../src/ops/index.js';
import { Rng } from '../src/rng.js';
import { VGG } from '../src/style/vgg.js';
import * as backend from '../src/backend.js';
import { registerNodeWasm, loadNodeWasm } from '../src/node/wasm.js';
import { convFlops, convShape, type BenchCase, type BenchRow, type ConvCase, type Runner } from './report.js';

export const VGG_CONV_CASES: readonly ConvCase[] = [
  { cin: 3, cout: 64, size: 256 },
  { cin: 64, cout: 64, size: 256 },
  { cin: 128, cout: 128, size: 128 },
  { cin: 256, cout: 256, size: 64 },
  { cin: 512, cout: 512, size: 32 },
];

/** Tiny shapes for `--quick` (the smoke test): the same code paths in milliseconds. */
export const QUICK_CONV_CASES: readonly ConvCase[] = [
  { cin: 3, cout: 8, size: 16 },
  { cin: 8, cout: 8, size: 8 },
];

/** 3×3 depthwise 'same' convs (cin = cout = groups) of a light MobileNet-style network. */
export const DEPTHWISE_CASES: readonly ConvCase[] = [
  { cin: 64, cout: 64, size: 512 },
  { cin: 64, cout: 64, size: 256 },
  { cin: 128, cout: 128, size: 128 },
];
export const QUICK_DEPTHWISE_CASES: readonly ConvCase[] = [{ cin: 8, cout: 8, size: 16 }];

export function convCases(quick: boolean): BenchCase<ConvCase>[] {
  return (quick ? QUICK_CONV_CASES : VGG_CONV_CASES).map((c) => ({ name: 'conv2d', shape: convShape(c), flops: convFlops(c), params: c }));
}

/** The backward of a forward case: ∂x + ∂w, 2× its FLOPs. */
export function convBackwardCase(c: BenchCase<ConvCase>): BenchCase<ConvCase> {
  return { ...c, name: 'conv2d_bwd', flops: 2 * c.flops };
}

/** Depthwise forward ('dwconv2d') and backward ('dwconv2d_bwd', ∂x + ∂w); FLOPs = 2·C·size²·9 per pass. */
export function depthwiseCases(quick: boolean): BenchCase<ConvCase & { backward: boolean }>[] {
  return (quick ? QUICK_DEPTHWISE_CASES : DEPTHWISE_CASES).flatMap((c) => [false, true].map((backward) => ({
    name: backward ? 'dwconv2d_bwd' : 'dwconv2d',
    shape: convShape(c),
    flops: (backward ? 2 : 1) * 2 * c.cout * c.size * c.size * 9,
    params: { ...c, backward },
  })));
}

/** Inputs of one case: x [1, cin, s, s], weight [cout, cin/groups, 3, 3], an output gradient. */
function operands(c: ConvCase, groups: number): { x: Tensor; w: Tensor; dy: Tensor } {
  const rng = new Rng(1);
  return {
    x: Tensor.randn([1, c.cin, c.size, c.size], { rng }),
    w: Tensor.randn([c.cout, c.cin / groups, 3, 3], { rng, std: 0.05 }),
    dy: Tensor.randn([1, c.cout, c.size, c.size], { rng }),
  };
}

/** ganstyle's conv2d op on one image (inputs made once, outside the timing). */
export function ganstyleConv2d(c: ConvCase): Runner {
  const { x, w } = operands(c, 1);
  return { run: () => F.conv2d(x, w, null, { padding: 1 }), dispose: () => {} };
}

/**
 * The F.conv2d op as a model's layer runs it in a training or stylisation step, and as a peer's op
 * runs: x and the weight resident in the pool's memory (backend.allocate), the result made there in a
 * result scope and freed when it ends. The plain row above also copies x in and y out (3→64 at 256²:
 * y is 16.8 MB, ≈ 1.1-1.4 ms of a 6.6-7.2 ms op at one thread, measured).
 */
export function ganstyleConvResident(c: ConvCase): Runner {
  const { x, w } = operands(c, 1);
  const [xr, wr] = [new Tensor(backend.residentCopy(x.data), x.shape), new Tensor(backend.residentCopy(w.data), w.shape)];
  return { run: () => backend.resultScope(() => void F.conv2d(xr, wr, null, { padding: 1 })), dispose: () => {} };
}

/** ganstyle's conv2d backward ops: ∂x = conv_transpose2d(dy, w), ∂w = conv2d_weight(x, dy). */
export function ganstyleConv2dBackward(c: ConvCase, groups = 1): Runner {
  const { x, w, dy } = operands(c, groups);
  return {
    run: () => [F.conv_transpose2d(dy, w, null, { padding: 1, groups }), F.conv2d_weight(x, dy, { padding: 1, groups, kernel_size: 3 })],
    dispose: () => {},
  };
}

/** The same backward as a model's training step runs it: x, the weight and dy resident, ∂x and ∂w made in a result scope. */
export function ganstyleConv2dBackwardResident(c: ConvCase): Runner {
  const { x, w, dy } = operands(c, 1);
  const [xr, wr, dyr] = [x, w, dy].map((t) => new Tensor(backend.residentCopy(t.data), t.shape));
  return {
    run: () => backend.resultScope(() => {
      F.conv_transpose2d(dyr, wr, null, { padding: 1 });
      F.conv2d_weight(xr, dyr, { padding: 1, kernel_size: 3 });
    }),
    dispose: () => {},
  };
}

/**
 * The yardstick for a backward: each ganstyle conv2d_bwd row's GFLOP/s ÷ a peer's conv2d
 * (forward) GFLOP/s on the same shape and thread count, one line per shape, thread count and peer.
 */
export function backwardVsPeerForward(rows: readonly BenchRow[]): string[] {
  const lines: string[] = [];
  for (const peer of rows.filter((r) => r.name === 'conv2d' && !r.backend.startsWith('ganstyle'))) {
    const ours = rows.filter((r) => r.name === 'conv2d_bwd' && r.shape === peer.shape && r.threads === peer.threads);
    if (ours.length === 0) continue;
    const each = ours.map((r) => `${r.backend} ${r.gflops.toFixed(1)} (${(r.gflops / peer.gflops).toFixed(2)}×)`).join(', ');
    lines.push(`${peer.shape}, ${peer.threads} thread(s): ${each} vs ${peer.backend}'s forward ${peer.gflops.toFixed(1)} GFLOP/s`);
  }
  return lines;
}

/** ganstyle's depthwise conv (groups = channels): forward, or ∂x + ∂w. */
export function ganstyleDepthwise(c: ConvCase & { backward: boolean }): Runner {
  if (c.backward) return ganstyleConv2dBackward(c, c.cin);
  const { x, w } = operands(c, c.cin);
  return { run: () => F.conv2d(x, w, null, { padding: 1, groups: c.cin }), dispose: () => {} };
}

/** Median wall and CPU milliseconds of `reps` calls after one warm-up call. */
export function timeRuns(run: () => unknown, reps: number): { ms: number; cpuMs: number } {
  run();
  const wall: number[] = [], cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage(), t0 = performance.now();
    run();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const median = (a: number[]) => a.sort((p, q) => p - q)[a.length >> 1];
  return { ms: median(wall), cpuMs: median(cpu) };
}

/**
 * VGG-19 (random He weights, the first `convLayers` convs) forward to its last layer, then the
 * backward of Σ output into the input and every weight, once at size²: peak RSS of the process
 * (maxRSS: run in a fresh process) and the WASM memory afterwards (the pool's; it is inside the RSS).
 */
export function vggPeakMemory(size: number, convLayers = 16): { ms: number; peakRssMB: number; wasmMB: number } {
  const net = new VGG('vgg19', { convLayers });
  const x = Tensor.rand([1, 3, size, size], { rng: new Rng(3), low: -1, high: 1, requiresGrad: true });
  const last = net.layerNames().at(-1)!;
  const t0 = performance.now();
  net.forward(x, [last]).get(last)!.sum().backward();
  const ms = performance.now() - t0;
  return { ms, peakRssMB: process.resourceUsage().maxRSS / 1024, wasmMB: (backend.kernelMemoryBytes() ?? loadNodeWasm('release').memory.buffer.byteLength) / 2 ** 20 };
}

async function main(argv: string[]): Promise<void> {
  const opt = (name: string, dflt: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : dflt);
  const quick = argv.includes('--quick'), threads = opt('--threads', 1), reps = opt('--reps', quick ? 1 : 5);
  registerNodeWasm();
  backend.useBackend('wasm');
  if (argv.includes('--memory')) {
    backend.setNumThreads(threads);
    const r = vggPeakMemory(opt('--memory', 512), opt('--conv-layers', 16));
    console.log(`vgg19 fwd+bwd ${opt('--memory', 512)}² (${opt('--conv-layers', 16)} convs, ${threads} thread(s)): ${r.ms.toFixed(0)} ms, peak RSS ${r.peakRssMB.toFixed(0)} MB, WASM memory ${r.wasmMB.toFixed(0)} MB (inside the RSS)`);
    process.exit(0);
  }
  const line = (name: string, shape: string, who: string, t: number, flops: number, r: { ms: number; cpuMs: number }) =>
    console.log(`${name.padEnd(12)} ${shape.padEnd(16)} ${who.padEnd(9)} ${String(t).padStart(2)}  ${r.ms.toFixed(1).padStart(8)} ms  cpu ${r.cpuMs.toFixed(1).padStart(8)} ms  ${(flops / r.ms / 1e6).toFixed(1).padStart(6)} GFLOP/s`);
  for (const t of threads > 1 ? [1, threads] : [1]) {
    backend.setNumThreads(t);
    await new Promise((r) => setTimeout(r, 200)); // workers start
    for (const c of convCases(quick)) line(c.name, c.shape, 'ganstyle', t, c.flops, timeRuns(ganstyleConv2d(c.params).run, reps));
    for (const c of convCases(quick).map(convBackwardCase)) {
      line(c.name, c.shape, 'ganstyle', t, c.flops, timeRuns(ganstyleConv2dBackward(c.params).run, reps));
      line(c.name, c.shape, 'resident', t, c.flops, timeRuns(ganstyleConv2dBackwardResident(c.params).run, reps));
    }
    for (const c of depthwiseCases(quick)) line(c.name, c.shape, 'ganstyle', t, c.flops, timeRuns(ganstyleDepthwise(c.params).run, reps));
  }
  backend.setNumThreads(1);
  if (!argv.includes('--peers')) process.exit(0);
  const { openTfjs } = await import('./peers/tfjs.js');
  for (const t of threads > 1 ? [1, threads] : [1]) {
    const peer = await openTfjs(t);
    for (const c of convCases(quick)) {
      const r = await peer.conv2d(c.params);
      if (r === null) continue;
      line(c.name, c.shape, 'tfjs', peer.threads, c.flops, timeRuns(() => r.run(), reps));
      r.dispose();
    }
    await peer.close();
  }
  process.exit(0);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
