// Normalisation layers (torch.nn.BatchNorm1d/2d, InstanceNorm2d) over F.batch_norm / F.instance_norm.
//   BatchNorm1d x [N, C] or [N, C, L], BatchNorm2d x [N, C, H, W]: statistics per channel C.
//   training: batch statistics (biased variance), running stats updated in place by the op:
//     r ← (1 − m)·r + m·stat (unbiased variance), m = momentum, or 1/num_batches_tracked when null;
//   eval: the running statistics (or batch statistics when track_running_stats is false).
//   InstanceNorm2d x [N, C, H, W] or [C, H, W]: statistics per (n, c), never running stats.
// Init: weight 1, bias 0, running_mean 0, running_var 1, num_batches_tracked 0.
// NOTE: torch stores num_batches_tracked as int64; here it is a float32 0-d tensor (exact to 2^24).
import { Tensor } from '../tensor.js';
import { F } from '../ops/index.js';
import { fmt, ShapeError } from '../shape.js';
import { Module, pyRepr } from './module.js';
import { checkBool, checkInt, checkNumber, checkOptions } from './_check.js';

export interface BatchNormOptions {
  eps?: number;
  /** Weight of the new statistic in the running average; null = cumulative average. */
  momentum?: number | null;
  affine?: boolean;
  track_running_stats?: boolean;
}

abstract class BatchNorm extends Module {
  readonly num_features: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly track_running_stats: boolean;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly running_mean: Tensor | null;
  readonly running_var: Tensor | null;
  readonly num_batches_tracked: Tensor | null;

  protected constructor(layer: string, num_features: number, opts: BatchNormOptions) {
    super();
    checkOptions(layer, opts, ['eps', 'momentum', 'affine', 'track_running_stats']);
    const C = (this.num_features = checkInt(layer, 'num_features', num_features, 1));
    this.eps = checkNumber(layer, 'eps', opts.eps ?? 1e-5);
    this.momentum = opts.momentum === null ? null : checkNumber(layer, 'momentum', opts.momentum ?? 0.1);
    this.affine = checkBool(layer, 'affine', opts.affine ?? true);
    this.track_running_stats = checkBool(layer, 'track_running_stats', opts.track_running_stats ?? true);
    this.weight = this.registerParameter('weight', this.affine ? Tensor.ones([C]) : null);
    this.bias = this.registerParameter('bias', this.affine ? Tensor.zeros([C]) : null);
    const track = this.track_running_stats;
    this.running_mean = this.registerBuffer('running_mean', track ? Tensor.zeros([C]) : null);
    this.running_var = this.registerBuffer('running_var', track ? Tensor.ones([C]) : null);
    this.num_batches_tracked = this.registerBuffer('num_batches_tracked', track ? Tensor.scalar(0) : null);
  }

  /** running_mean 0, running_var 1, num_batches_tracked 0. */
  resetRunningStats(): void {
    this.running_mean?.data.fill(0);
    this.running_var?.data.fill(1);
    this.num_batches_tracked?.data.fill(0);
  }

  /** Also resets weight to 1 and bias to 0. */
  resetParameters(): void {
    this.resetRunningStats();
    this.weight?.data.fill(1);
    this.bias?.data.fill(0);
  }

  /** Throws a ShapeError naming the layer unless x has the layer's rank and num_features channels. */
  protected abstract checkInput(x: Tensor): void;

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    // torch: batch statistics in training, and in eval too when there are no running stats.
    const useBatchStats = this.training || this.running_mean === null;
    if (useBatchStats && x.size / x.shape[1] <= 1) {
      throw new ShapeError(`${this.describe()}: expected more than 1 value per channel when training, got input ${fmt(x.shape)}`);
    }
    let factor = this.momentum ?? 0;
    if (this.training && this.num_batches_tracked !== null) {
      this.num_batches_tracked.data[0] += 1;
      if (this.momentum === null) factor = 1 / this.num_batches_tracked.data[0];
    }
    return F.batch_norm.run(
      {
        x,
        running_mean: this.running_mean ?? undefined,
        running_var: this.running_var ?? undefined,
        weight: this.weight ?? undefined,
        bias: this.bias ?? undefined,
      },
      { training: useBatchStats, momentum: factor, eps: this.eps },
    );
  }

  protected override missingStateDefault(name: string): Tensor | undefined {
    // torch fills a missing num_batches_tracked with 0 when the checkpoint has no version metadata.
    return name === 'num_batches_tracked' ? Tensor.scalar(0) : undefined;
  }

  override extraRepr(): string {
    return `${this.num_features}, eps=${pyRepr(this.eps)}, momentum=${pyRepr(this.momentum)}, affine=${pyRepr(this.affine)}, track_running_stats=${pyRepr(this.track_running_stats)}`;
  }
}

/** Batch norm over [N, C] (after Linear) or [N, C, L]. */
export class BatchNorm1d extends BatchNorm {
  constructor(num_features: number, opts: BatchNormOptions = {}) {
    super('BatchNorm1d', num_features, opts);
  }
  protected checkInput(x: Tensor): void {
    if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[1] !== this.num_features) {
      throw new ShapeError(`${this.describe()}: expected input [N, ${this.num_features}] or [N, ${this.num_features}, L], got ${fmt(x.shape)}`);
    }
  }
}

/** Batch norm over [N, C, H, W] (after Conv2d). */
export class BatchNorm2d extends BatchNorm {
  constructor(num_features: number, opts: BatchNormOptions = {}) {
    super('BatchNorm2d', num_features, opts);
  }
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4 || x.shape[1] !== this.num_features) {
      throw new ShapeError(`${this.describe()}: expected input [N, ${this.num_features}, H, W], got ${fmt(x.shape)}`);
    }
  }
}

/** Instance norm (style transfer's TransformerNet uses affine: true). */
export class InstanceNorm2d extends Module {
  readonly num_features: number;
  readonly eps: number;
  readonly affine: boolean;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;

  constructor(num_features: number, opts: { eps?: number; affine?: boolean } = {}) {
    super();
    checkOptions('InstanceNorm2d', opts, ['eps', 'affine']);
    this.num_features = checkInt('InstanceNorm2d', 'num_features', num_features, 1);
    this.eps = checkNumber('InstanceNorm2d', 'eps', opts.eps ?? 1e-5);
    this.affine = checkBool('InstanceNorm2d', 'affine', opts.affine ?? false);
    this.weight = this.registerParameter('weight', this.affine ? Tensor.ones([num_features]) : null);
    this.bias = this.registerParameter('bias', this.affine ? Tensor.zeros([num_features]) : null);
  }

  forward(x: Tensor): Tensor {
    // torch only warns on a channel mismatch without affine; here it is always an error.
    if ((x.ndim !== 3 && x.ndim !== 4) || x.shape[x.ndim - 3] !== this.num_features) {
      throw new ShapeError(`${this.describe()}: expected input [N, ${this.num_features}, H, W] or [${this.num_features}, H, W], got ${fmt(x.shape)}`);
    }
    const x4 = x.ndim === 3 ? x.reshape(1, ...x.shape) : x;
    const y = F.instance_norm.run({ x: x4, weight: this.weight ?? undefined, bias: this.bias ?? undefined }, { eps: this.eps });
    return x.ndim === 3 ? y.reshape(x.shape) : y;
  }

  override extraRepr(): string {
    return `${this.num_features}, eps=${pyRepr(this.eps)}, affine=${pyRepr(this.affine)}`;
  }
}
