// `ganstyle` command line: a thin adapter over the library (argv, files, exit codes live here).
import { Command, InvalidArgumentError, Option } from 'commander';
import { oracleCheck, oracleExport } from './commands/oracle.js';
import { ganEval, ganSample, ganTrain } from './commands/gan.js';
import { GAN_LOSSES } from './gan/losses.js';
import { GAN_MODELS, type GanConfig } from './gan/train.js';

const program = new Command();
program.name('ganstyle').description('CPU deep learning in TypeScript + WASM SIMD: GANs and neural style transfer, checked against PyTorch');

const backendOption = () => new Option('--backend <name>', 'kernel backend').choices(['ts', 'wasm', 'wasm-simd', 'wasm-scalar', 'wasm-relaxed']).default('wasm');
const int = (name: string, min = 0) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
  return n;
};
// Results are bit-identical for every thread count (src/wasm/parallel.ts), so work commands use every core by default.
const threadsOption = (fallback = 0) => new Option('--threads <n>', 'compute threads of the wasm backend (0 = every core)').argParser(int('--threads')).default(fallback);
const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};

/** "N steps at X s/step, last loss …" of a fast / AdaIN training run (a resume already at its last step ran none). */
function trainSummary(step: number, stepsPerSecond: number, last: Record<string, number> | null): string {
  const rate = stepsPerSecond > 0 && Number.isFinite(stepsPerSecond) ? `${step} steps at ${(1 / stepsPerSecond).toFixed(2)} s/step` : `no new steps (at step ${step})`;
  return rate + (last === null ? '' : `, last loss ${last.total.toPrecision(4)} (content ${last.content.toPrecision(4)}, style ${last.style.toPrecision(4)})`);
}

const oracle = program.command('oracle').description('golden vectors of format ganstyle-oracle/1 (see FORMAT.md)');
oracle
  .command('check')
  .argument('<manifest>', 'PATH.json of a ganstyle-oracle/1 suite')
  .addOption(backendOption())
  .addOption(threadsOption(1))
  .description('check every case; one line per failed case, then "N passed, M failed"; exit 1 if any failed')
  .action((manifest: string, opts: { backend: 'ts' | 'wasm'; threads: number }) => {
    process.exitCode = oracleCheck(manifest, opts, console.log);
  });
oracle
  .command('export')
  .requiredOption('-o, --out <file.json>', 'manifest to write (the .safetensors goes beside it)')
  .requiredOption('--template <manifest.json>', 'suite whose ops, attributes and inputs to reuse')
  .option('--seed <n>', 'seed of the upstream gradients', int('--seed'), 1)
  .option('--ops <list>', 'only these ops (comma list)', (v) => v.split(','))
  .addOption(backendOption().default('ts'))
  .description('write golden vectors computed by this implementation')
  .action((opts: { out: string; template: string; seed: number; backend: 'ts'; ops?: string[] }) => {
    oracleExport(opts.out, opts, console.log);
  });

const gan = program.command('gan').description('generative adversarial networks on MNIST or a folder of images');
gan
  .command('train')
  .option('-o, --out <dir>', 'output folder (samples, curves.png, log.jsonl, checkpoint, weights)', 'out/gan')
  .addOption(new Option('--model <name>', 'architecture').choices(GAN_MODELS).default('mlp'))
  .addOption(new Option('--loss <kind>', 'GAN objective (default: bce; wgan-gp brings its own optimiser settings)').choices(GAN_LOSSES))
  .option('--steps <n>', 'stop after n generator steps', int('--steps', 1))
  .option('--epochs <n>', 'stop after n epochs', int('--epochs', 1))
  .option('--minutes <m>', 'stop after m minutes', positive('--minutes'))
  .option('--batch <n>', 'batch size', int('--batch', 1))
  .option('--seed <n>', 'seed of every random number', int('--seed'), 0)
  .option('--data <dir>', 'train on a folder of images instead of the embedded MNIST digits')
  .addOption(new Option('--channels <c>', 'with --data: 1 = grayscale, 3 = RGB').choices(['1', '3']).default('1'))
  .option('--lr-g <lr>', 'generator learning rate', positive('--lr-g'))
  .option('--lr-d <lr>', 'discriminator learning rate', positive('--lr-d'))
  .option('--label-smoothing <real>', 'one-sided label smoothing: target of real images (e.g. 0.9)', positive('--label-smoothing'))
  .option('--dropout <p>', 'dropout after each hidden D activation', (v) => Number(v))
  .option('--spectral-norm', 'spectral normalisation of every D layer')
  .option('--no-spectral-norm', 'no spectral normalisation')
  .option('--ema <decay>', 'EMA of G\'s weights (0 = off); samples come from the average', (v) => Number(v))
  .option('--n-critic <n>', 'D updates per G update', int('--n-critic', 1))
  .option('--resume', 'continue the run saved in OUT/checkpoint.safetensors exactly where it stopped')
  .option('--log-every <n>', 'steps per log line', int('--log-every', 1), 50)
  .option('--eval-every <n>', 'steps between quality evaluations (default: each epoch)', int('--eval-every', 1))
  .option('--eval-count <n>', 'samples per evaluation', int('--eval-count', 10), 1000)
  .addOption(backendOption())
  .addOption(threadsOption())
  .description('train a GAN (default: the MLP GAN with spectral norm, TTUR and an EMA of G) with a progress bar, sample grids, metrics and checkpoints')
  .action(async (opts) => {
    if (opts.steps === undefined && opts.epochs === undefined && opts.minutes === undefined) opts.epochs = 10;
    const config: Partial<GanConfig> = { model: opts.model, seed: opts.seed };
    const set = <K extends keyof GanConfig>(k: K, v: GanConfig[K] | undefined) => {
      if (v !== undefined) config[k] = v;
    };
    set('loss', opts.loss);
    set('batchSize', opts.batch);
    set('lrG', opts.lrG);
    set('lrD', opts.lrD);
    set('realLabel', opts.labelSmoothing);
    set('dropout', opts.dropout);
    set('spectralNorm', opts.spectralNorm);
    set('ema', opts.ema);
    set('nCritic', opts.nCritic);
    if (opts.model.startsWith('cgan')) set('numClasses', 10);
    const { trainer, stepsPerSecond, last } = await ganTrain({ ...opts, channels: Number(opts.channels) as 1 | 3, config });
    console.log(`${trainer.step} steps at ${stepsPerSecond.toFixed(1)} steps/s; samples in ${opts.out}/samples.png, curves in ${opts.out}/curves.png, log in ${opts.out}/log.jsonl`);
    if (last !== null) console.log(`quality at step ${last.step}: coverage ${last.coverage}/10, confident ${(100 * last.confident).toFixed(0)}%, FD ${last.fd?.toFixed(1)}`);
  });
gan
  .command('sample')
  .requiredOption('--checkpoint <file>', 'a checkpoint.safetensors written by gan train')
  .requiredOption('--out <file>', 'FILE.png (a grid) or FILE.npy (float32 [N, C, H, W] in [0, 1])')
  .option('--count <n>', 'number of samples', int('--count', 1), 64)
  .option('--class <k>', 'digit to generate (conditional models)', int('--class'))
  .option('--seed <n>', 'seed of the noise', int('--seed'), 0)
  .option('--raw', 'sample from the raw G instead of its EMA average')
  .addOption(backendOption())
  .description('generate images from a trained generator')
  .action(async (opts) => {
    console.log(await ganSample({ ...opts, raw: opts.raw === true }));
  });
gan
  .command('eval')
  .requiredOption('--checkpoint <file>', 'a checkpoint.safetensors written by gan train')
  .option('--count <n>', 'number of samples', int('--count', 10), 1000)
  .option('--seed <n>', 'seed of the noise', int('--seed'), 0)
  .option('--raw', 'evaluate the raw G instead of its EMA average')
  .option('--json', 'print one JSON object')
  .addOption(backendOption())
  .description('per-class coverage, confidence and Fréchet distance by the shipped MNIST classifier')
  .action((opts) => {
    console.log(ganEval({ ...opts, raw: opts.raw === true, json: opts.json === true }));
  });

program
  .command('demo')
  .option('-o, --out <dir>', 'output folder', 'out/demo')
  .option('--minutes <m>', 'training time', positive('--minutes'), 2)
  .option('--seed <n>', 'seed', int('--seed'), 0)
  .addOption(threadsOption())
  .description('the main job: train the MLP GAN on the embedded 10,000 MNIST digits for about two minutes')
  .action(async (opts: { out: string; minutes: number; seed: number; threads: number }) => {
    const { trainer, stepsPerSecond, last } = await ganTrain({ out: opts.out, minutes: opts.minutes, backend: 'wasm', threads: opts.threads, config: { seed: opts.seed }, logEvery: 20, evalCount: 1000 });
    console.log(`${trainer.step} steps at ${stepsPerSecond.toFixed(1)} steps/s; samples in ${opts.out}/samples.png (one grid per epoch in ${opts.out}/samples/), curves in ${opts.out}/curves.png, log in ${opts.out}/log.jsonl`);
    if (last !== null) console.log(`quality at step ${last.step}: coverage ${last.coverage}/10, confident ${(100 * last.confident).toFixed(0)}%, FD ${last.fd?.toFixed(1)} (real digits ≈ 9, noise ≈ 1000)`);
  });

{
  const num = (name: string) => (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a finite number ≥ 0`);
    return n;
  };
  const list = (name: string) => (v: string) => v.split(',').map((s) => num(name)(s.trim()));
  program
    .command('stylize')
    .argument('<content>', 'content image (JPEG or PNG)')
    .argument('<style...>', 'one or more style images')
    .requiredOption('-o, --out <file>', 'result image (.png or .jpg)')
    .option('--size <px>', 'longest side of the result (an image already that size is used pixel for pixel)', int('--size', 1), 256)
    .option('--content-weight <w>', 'weight of the content loss', num('--content-weight'), 1)
    .option('--style-weight <w>', 'weight of the style loss', num('--style-weight'), 100)
    .option('--tv-weight <w>', 'weight of the total-variation loss', num('--tv-weight'), 0)
    .option('--content-layers <list>', 'content layers, comma list, name:weight allowed (default relu4_2, else relu3_2)')
    .option('--style-layers <list>', 'style layers, comma list, name:weight allowed (default relu1_1…relu5_1 where available)')
    .option('--init <how>', 'start image: content, noise or an image file', 'content')
    .addOption(new Option('--optimizer <name>', 'optimiser').choices(['lbfgs', 'adam']).default('lbfgs'))
    .option('--learning-rate <lr>', 'step size (default 1 for lbfgs, 10 for adam)', positive('--learning-rate'))
    .option('--lbfgs-history <n>', 'L-BFGS history size', int('--lbfgs-history', 1), 100)
    .addOption(new Option('--line-search <kind>', 'L-BFGS line search').choices(['none', 'strong_wolfe']).default('none'))
    .option('--iterations <n>', 'number of updates (per level with --multires)', int('--iterations', 0), 300)
    .option('--style-blend-weights <list>', 'one weight per style image, comma list (normalised to sum 1)', list('--style-blend-weights'))
    .option('--style-scale <s>', 'style images are resized to s × size', positive('--style-scale'), 1)
    .option('--original-colors', 'keep the content photo\'s colours (luminance transfer)', false)
    .addOption(new Option('--pooling <kind>', 'VGG pooling').choices(['max', 'avg']).default('max'))
    .option('--multires [levels]', 'coarse-to-fine: levels at size/2^k (flag alone: 2)', int('--multires', 1))
    .option('--save-every <n>', 'also write the image every n iterations (OUT.iterNNNN.png)', int('--save-every', 1))
    .option('--seed <n>', 'seed of the noise init', int('--seed'), 0)
    .addOption(threadsOption())
    .option('--weights <path>', 'VGG weights: safetensors, torchvision .pth, Keras .h5 or TF.js model folder (default: the cached ganstyle weights fetch vgg19)')
    .option('--log <file.jsonl>', 'one JSON line per iteration k = 0…N: content, style, tv, total, per-layer losses, elapsed seconds')
    .option('--quality <q>', 'JPEG quality of the output', int('--quality', 1), 92)
    .option('--quiet', 'no progress bar', false)
    .addOption(backendOption())
    .description('neural style transfer (Gatys et al.): optimise an image to have CONTENT\'s content and STYLE\'s style')
    .action(async (content: string, styles: string[], opts) => {
      const { stylizeCommand } = await import('./commands/stylize.js');
      const { seconds, records } = await stylizeCommand(content, styles, {
        ...opts,
        multires: opts.multires === true ? 2 : opts.multires,
        lineSearch: opts.lineSearch === 'none' ? null : opts.lineSearch,
      });
      const last = records.at(-1)!;
      console.log(`wrote ${opts.out}: ${records.length - 1} iterations in ${seconds.toFixed(1)} s, loss ${last.total.toPrecision(6)} (content ${last.content.toPrecision(4)}, style ${last.style.toPrecision(4)}, tv ${last.tv.toPrecision(4)})`);
    });
}

const fast = program.command('fast').description('fast (feed-forward) style transfer: one network pass per image');
fast
  .command('stylize')
  .argument('<inputs...>', 'images (JPEG, PNG, …) and/or folders of images')
  .requiredOption('--model <path>', 'network: fast_neural_style .pth, fast-style-*.safetensors or an ml5 model folder (manifest.json)')
  .requiredOption('-o, --out <path>', 'result image (.png or .jpg) for one input file, else a folder')
  .option('--batch <n>', 'images of the same size per forward pass', int('--batch', 1), 4)
  .option('--tile-size <px>', 'tile images with a side longer than this (exact global instance-norm statistics); 0 = never', int('--tile-size'), 1024)
  .option('--quality <q>', 'JPEG quality of the outputs', int('--quality', 1), 92)
  .option('--quiet', 'no progress lines', false)
  .addOption(threadsOption())
  .addOption(backendOption())
  .description('stylise images with a trained feed-forward network; outputs have the inputs\' sizes')
  .action(async (inputs: string[], opts) => {
    const { fastStylizeCommand } = await import('./commands/fast.js');
    const r = await fastStylizeCommand(inputs, opts, opts.quiet ? undefined : (l) => process.stderr.write(l + '\n'));
    const where = r.written.length === 1 ? r.written[0][1] : `${r.written.length} images in ${opts.out}`;
    console.log(`wrote ${where}: ${r.megapixels.toFixed(2)} MP in ${r.seconds.toFixed(1)} s (${((1000 * r.seconds) / r.megapixels).toFixed(0)} ms/MP)`);
  });
{
  // no commander defaults for the run settings: a resumed run takes them from its checkpoint
  const num = (name: string) => (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a finite number ≥ 0`);
    return n;
  };
  fast
    .command('train')
    .option('--style <image>', 'the style image (JPEG, PNG, …)')
    .option('--data <dir>', 'folder of content images (subfolders included); random crops are drawn from them')
    .option('--weights <path>', 'VGG weights of the perceptual loss (safetensors, .pth, Keras .h5, TF.js folder)')
    .option('-o, --out <dir>', 'output folder (checkpoint, model.safetensors, samples/, samples.png, curves.png, log.jsonl)', 'out/fast')
    .addOption(new Option('--arch <name>', 'network: johnson (TransformerNet, 1.7M parameters) or mobile (depthwise-separable, 0.19M); default johnson').choices(['johnson', 'mobile']))
    .option('--crop <px>', 'side of the square training crops (default 128)', int('--crop', 16))
    .option('--batch <n>', 'crops per step (default 4)', int('--batch', 1))
    .option('--lr <lr>', 'Adam learning rate (default 1e-3)', positive('--lr'))
    .option('--seed <n>', 'seed of every random number (default 0)', int('--seed'))
    .option('--content-weight <w>', 'weight of the content loss (default 1)', num('--content-weight'))
    .option('--style-weight <w>', 'weight of the style loss (default 0.3)', num('--style-weight'))
    .option('--tv-weight <w>', 'weight of the total-variation loss (default 0)', num('--tv-weight'))
    .option('--content-layers <list>', 'content layers, name:weight allowed (default relu2_2)')
    .option('--style-layers <list>', 'style layers (default relu1_2,relu2_2,relu3_3,relu4_3 where the weights have them)')
    .option('--style-size <px>', 'longest side of the style image (default 2 × crop)', int('--style-size', 16))
    .option('--image-size <px>', 'content images are resized to this shorter side before cropping (default 1.25 × crop)', int('--image-size', 16))
    .option('--steps <n>', 'stop at step n', int('--steps', 1))
    .option('--minutes <m>', 'stop after m minutes', positive('--minutes'))
    .option('--resume', 'continue the run in OUT/checkpoint.safetensors exactly where it stopped')
    .option('--sample-every <n>', 'steps between sample grids and checkpoints', int('--sample-every', 1), 50)
    .option('--log-every <n>', 'steps per log line', int('--log-every', 1), 1)
    .option('--sample-size <px>', 'side of the sample images (default 2 × crop)', int('--sample-size', 16))
    .option('--quiet', 'no progress bar', false)
    .addOption(threadsOption())
    .addOption(backendOption())
    .description('train a feed-forward style network with the VGG perceptual loss (content + style + TV), Johnson et al. 2016')
    .action(async (opts) => {
      const { fastTrain } = await import('./commands/fast_train.js');
      if (opts.steps === undefined && opts.minutes === undefined) throw new InvalidArgumentError('give --steps or --minutes');
      const { trainer, stepsPerSecond, last } = await fastTrain({ ...opts, batchSize: opts.batch });
      console.log(`${trainSummary(trainer.step, stepsPerSecond, last)}; network in ${opts.out}/model.safetensors, samples in ${opts.out}/samples.png, curves in ${opts.out}/curves.png`);
    });
  fast
    .command('adain-train')
    .option('--data <dir>', 'folder of content images')
    .option('--style-data <dir>', 'folder of style images')
    .option('--weights <path>', 'VGG weights (the encoder and the loss)')
    .option('-o, --out <dir>', 'output folder (checkpoint, decoder.safetensors, samples/, samples.png, curves.png, log.jsonl)', 'out/adain')
    .option('--layer <name>', 'encoder layer (default relu4_1 when the weights hold it, else relu3_1)')
    .option('--crop <px>', 'side of the training crops (default 128)', int('--crop', 8))
    .option('--batch <n>', 'content/style pairs per step (default 4)', int('--batch', 1))
    .option('--lr <lr>', 'Adam learning rate (default 1e-4)', positive('--lr'))
    .option('--style-weight <w>', 'λ of the style term (default 10)', num('--style-weight'))
    .option('--seed <n>', 'seed (default 0)', int('--seed'))
    .option('--image-size <px>', 'images are resized to this shorter side before cropping (default 1.25 × crop)', int('--image-size', 8))
    .option('--steps <n>', 'stop at step n', int('--steps', 1))
    .option('--minutes <m>', 'stop after m minutes', positive('--minutes'))
    .option('--resume', 'continue the run in OUT/checkpoint.safetensors exactly')
    .option('--sample-every <n>', 'steps between sample grids and checkpoints', int('--sample-every', 1), 50)
    .option('--log-every <n>', 'steps per log line', int('--log-every', 1), 1)
    .option('--quiet', 'no progress bar', false)
    .addOption(threadsOption())
    .addOption(backendOption())
    .description('train an AdaIN decoder for arbitrary style transfer (Huang & Belongie 2017)')
    .action(async (opts) => {
      const { adainTrain } = await import('./commands/adain.js');
      if (opts.steps === undefined && opts.minutes === undefined) throw new InvalidArgumentError('give --steps or --minutes');
      const { trainer, stepsPerSecond, last } = await adainTrain({ ...opts, batchSize: opts.batch });
      console.log(`${trainSummary(trainer.step, stepsPerSecond, last)}; decoder in ${opts.out}/decoder.safetensors, samples in ${opts.out}/samples.png`);
    });
  fast
    .command('adain')
    .argument('<content>', 'content image')
    .argument('<style...>', 'one or more style images (mixed by --style-weights)')
    .requiredOption('--decoder <file>', 'decoder.safetensors written by fast adain-train')
    .requiredOption('--weights <path>', 'the VGG weights the decoder was trained with')
    .requiredOption('-o, --out <file>', 'result image (.png or .jpg)')
    .option('--alpha <a>', 'style strength in [0, 1]', num('--alpha'), 1)
    .option('--style-weights <list>', 'one weight per style image, comma list (normalised to sum 1)', (v) => v.split(',').map((x) => num('--style-weights')(x.trim())))
    .option('--preserve-color', 'keep the content\'s colours', false)
    .option('--size <px>', 'longest side of the content and style images (default: as they are)', int('--size', 8))
    .addOption(threadsOption())
    .addOption(backendOption())
    .description('arbitrary style transfer with a trained AdaIN decoder: one encoder and one decoder pass')
    .action(async (content: string, styles: string[], opts) => {
      const { adainStylize } = await import('./commands/adain.js');
      const { seconds } = await adainStylize(content, styles, opts);
      console.log(`wrote ${opts.out} in ${seconds.toFixed(2)} s`);
    });
}

program
  .command('bench')
  .option('--json', 'one JSON object per result line (name, shape, backend, threads, ms, gflops; gemm rows also the ceiling measured beside them); notes go to stderr', false)
  .option('--threads <n>', 'also run at n threads (ganstyle and the peers)', int('--threads', 1), 2)
  .option('--quick', 'tiny shapes, one timed call each (a smoke run)', false)
  .option('--no-peers', 'ganstyle and the ceiling only')
  .option('--only <list>', 'only these benchmarks, comma list of gemm, conv2d, gan_step, vgg_fwd_bwd, fast_style, stylize', (v) => v.split(','))
  .option('--rounds <n>', 'time each case\'s backends in turn n times; a row is its backend\'s fastest round (--quick: 1)', int('--rounds', 1), 2)
  .description('GEMM, VGG conv2d, an MLP-GAN step and VGG forward+backward: ms, GFLOP/s, ratio to the in-process WASM SIMD ceiling and to TF.js-WASM / onnxruntime-web')
  .action(async (opts: { json: boolean; threads: number; quick: boolean; peers: boolean; only?: string[]; rounds: number }) => {
    const { runBench } = await import('./commands/bench.js');
    await runBench(opts, { out: (l) => process.stdout.write(l + '\n'), note: (l) => process.stderr.write(l + '\n') });
  });

program
  .command('weights')
  .description('pretrained weights')
  .command('fetch')
  .argument('<name>', 'vgg19: the Keras ImageNet VGG-19 notop weights (80 MB)')
  .option('--from <file.h5>', 'convert this already downloaded .h5 instead of downloading')
  .option('--no-check', 'skip the MD5 check (only sensible with --from)')
  .option('--force', 'fetch again even if cached', false)
  .option('--quiet', 'no progress bar', false)
  .description('download, check (MD5) and convert to safetensors in the cache ($GANSTYLE_CACHE or ~/.cache/ganstyle), where stylize finds it')
  .action(async (name: string, opts: { from?: string; check: boolean; force: boolean; quiet: boolean }) => {
    const { fetchWeights } = await import('./commands/weights.js');
    await fetchWeights(name, opts);
  });

program.parseAsync().catch((e: unknown) => {
  console.error(`ganstyle: ${(e as Error).message}`);
  process.exitCode = 2;
});
