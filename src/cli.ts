#!/usr/bin/env node
// `ganstyle` command line: a thin adapter over the library (argv, files, exit codes live here).
import { Command, InvalidArgumentError, Option } from 'commander';
import { oracleCheck, oracleExport } from './commands/oracle.js';
import { ganTrain } from './commands/gan.js';
import { GAN_LOSSES } from './gan/losses.js';

const program = new Command();
program.name('ganstyle').description('CPU deep learning in TypeScript + WASM SIMD: GANs and neural style transfer, checked against PyTorch');

const backendOption = () => new Option('--backend <name>', 'kernel backend').choices(['ts', 'wasm', 'wasm-simd', 'wasm-scalar']).default('wasm');
const int = (name: string, min = 0) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
  return n;
};
const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};

const oracle = program.command('oracle').description('golden vectors of format ganstyle-oracle/1 (see FORMAT.md)');
oracle
  .command('check')
  .argument('<manifest>', 'PATH.json of a ganstyle-oracle/1 suite')
  .addOption(backendOption())
  .description('check every case; one line per failed case, then "N passed, M failed"; exit 1 if any failed')
  .action((manifest: string, opts: { backend: 'ts' | 'wasm' }) => {
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
  .option('-o, --out <dir>', 'output folder (samples, log.jsonl, weights)', 'out/gan')
  .addOption(new Option('--loss <kind>', 'GAN objective').choices(GAN_LOSSES).default('bce'))
  .option('--steps <n>', 'stop after n steps', int('--steps', 1))
  .option('--epochs <n>', 'stop after n epochs', int('--epochs', 1))
  .option('--minutes <m>', 'stop after m minutes', positive('--minutes'))
  .option('--batch <n>', 'batch size', int('--batch', 1), 64)
  .option('--seed <n>', 'seed of every random number', int('--seed'), 0)
  .option('--log-every <n>', 'steps per log line', int('--log-every', 1), 50)
  .addOption(backendOption())
  .description('train the MLP GAN (G 100→…→784, D 784→…→1) with Adam lr 2e-4, betas (0.5, 0.999)')
  .action(async (opts) => {
    if (opts.steps === undefined && opts.epochs === undefined && opts.minutes === undefined) opts.epochs = 10;
    const { trainer, stepsPerSecond } = await ganTrain(opts);
    console.log(`${trainer.step} steps at ${stepsPerSecond.toFixed(1)} steps/s; samples in ${opts.out}/samples.png, log in ${opts.out}/log.jsonl`);
  });

program
  .command('demo')
  .option('-o, --out <dir>', 'output folder', 'out/demo')
  .option('--minutes <m>', 'training time', positive('--minutes'), 2)
  .option('--seed <n>', 'seed', int('--seed'), 0)
  .description('the main job: train the MLP GAN on the embedded 10,000 MNIST digits for about two minutes')
  .action(async (opts: { out: string; minutes: number; seed: number }) => {
    const { trainer, stepsPerSecond } = await ganTrain({ ...opts, backend: 'wasm', batch: 64, loss: 'bce', logEvery: 20 });
    console.log(`${trainer.step} steps at ${stepsPerSecond.toFixed(1)} steps/s; samples in ${opts.out}/samples.png (one grid per epoch in ${opts.out}/samples/), log in ${opts.out}/log.jsonl`);
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
    .option('--size <px>', 'longest side of the result (an image already that size is used pixel for pixel)', int('--size', 1), 512)
    .option('--content-weight <w>', 'weight of the content loss', num('--content-weight'), 1)
    .option('--style-weight <w>', 'weight of the style loss', num('--style-weight'), 10)
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
    .option('--threads <n>', 'compute threads', int('--threads', 1), 1)
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

program.parseAsync().catch((e: unknown) => {
  console.error(`ganstyle: ${(e as Error).message}`);
  process.exitCode = 2;
});
