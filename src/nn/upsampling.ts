// Upsample (torch.nn.Upsample, mode 'nearest' with integer scale factors) over F.upsample_nearest2d.
// x [N, C, H, W] or [C, H, W] → [.., H·sh, W·sw];  out[i, j] = x[floor(i/sh), floor(j/sw)]
import type { Tensor } from '../tensor.js';
import { F } from '../ops/index.js';
import { Module, pyRepr } from './module.js';
import { on4d } from './_spatial.js';
import { checkOptions, intPair } from './_check.js';

export interface UpsampleOptions {
  /** Integer factor for both axes, or [sh, sw]. */
  scale_factor: number | [number, number];
  mode?: 'nearest';
}

/** new Upsample({ scale_factor: 2 }): the resize-convolution generator's upsampling. */
export class Upsample extends Module {
  readonly scale_factor: [number, number];
  readonly mode: 'nearest';

  constructor(opts: UpsampleOptions) {
    super();
    checkOptions('Upsample', opts, ['scale_factor', 'mode']);
    if (opts.scale_factor === undefined) throw new TypeError('Upsample: scale_factor is required (size is not supported)');
    this.scale_factor = intPair('Upsample', 'scale_factor', opts.scale_factor, 1);
    this.mode = opts.mode ?? 'nearest';
    if (this.mode !== 'nearest') throw new RangeError(`Upsample: mode ${JSON.stringify(this.mode)} is not supported (only 'nearest')`);
  }

  forward(x: Tensor): Tensor {
    return on4d(this, x, (x4) => F.upsample_nearest2d(x4, { scale_factor: this.scale_factor }));
  }

  override extraRepr(): string {
    return `scale_factor=${pyRepr(this.scale_factor)}, mode=${this.mode}`;
  }
}
