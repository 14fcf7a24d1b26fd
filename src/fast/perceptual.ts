// Johnson et al.'s perceptual loss for training feed-forward style networks, over a batch:
//   content = Σ_l w_l · mean((F_l(y) − F_l(x))²)          x = the content batch, y = the network's output
//   style   = Σ_l w_l · mean((G_l(y_i) − A_l)²) over i     A_l = G_l(style image), the same for every i
//   tv      = Σ of squared neighbour differences of y       (src/style/losses.ts tvLoss)
//   total   = content_weight · content + style_weight · style + tv_weight · tv
// with G = gram(F)/(C·H·W) and the terms of src/style/losses.ts (contentLoss, styleLoss), so a
// number here means what it means for Gatys transfer. Images are RGB 0–255 [N, 3, H, W]; the VGG's
// own preprocessing is applied inside. Johnson used VGG-16 content relu2_2 and style
// relu1_2/relu2_2/relu3_3/relu4_3; defaultFastLayers keeps those the weights hold (relu4_3 is absent
// from the shared conv1_1…conv3_4 weights).
import type { Tensor } from '../tensor.js';
import { noGrad } from '../autograd.js';
import { F } from '../ops/index.js';
import { fmt, ShapeError } from '../shape.js';
import type { VGG } from '../style/vgg.js';
import { contentLoss, minImageSide, styleLoss, tvLoss, type LossTerms, type LossWeights, type WeightedLayer } from '../style/losses.js';

export const JOHNSON_STYLE_LAYERS = ['relu1_2', 'relu2_2', 'relu3_3', 'relu4_3'] as const;
export const JOHNSON_CONTENT_LAYERS = ['relu2_2'] as const;

/** Johnson's layers that `vgg` holds: style relu1_2…relu4_3, content relu2_2. */
export function defaultFastLayers(vgg: VGG): { style: string[]; content: string[] } {
  const have = new Set(vgg.layerNames());
  return { style: JOHNSON_STYLE_LAYERS.filter((n) => have.has(n)), content: JOHNSON_CONTENT_LAYERS.filter((n) => have.has(n)) };
}

export class PerceptualLoss {
  readonly vgg: VGG;
  readonly contentLayers: WeightedLayer[];
  readonly styleLayers: WeightedLayer[];
  readonly weights: LossWeights;
  /** A_l by style layer, [1, C, C]. */
  readonly styleTargets = new Map<string, Tensor>();
  private readonly layers: string[];

  /** @param style the style image, RGB 0–255 [1, 3, H, W] */
  constructor(vgg: VGG, style: Tensor, opts: { contentLayers: WeightedLayer[]; styleLayers: WeightedLayer[]; weights: LossWeights }) {
    this.vgg = vgg;
    this.contentLayers = opts.contentLayers;
    this.styleLayers = opts.styleLayers;
    this.weights = opts.weights;
    for (const [k, v] of Object.entries(this.weights)) {
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`perceptual loss: ${k} weight must be a finite number ≥ 0, got ${v}`);
    }
    for (const l of [...this.contentLayers, ...this.styleLayers]) vgg.indexOf(l.name); // unknown names list the available ones
    this.layers = [...new Set([...this.contentLayers, ...this.styleLayers].map((l) => l.name))];
    if (this.layers.length === 0) throw new Error('perceptual loss: give at least one content or style layer');
    if (style.ndim !== 4 || style.shape[0] !== 1 || style.shape[1] !== 3) throw new ShapeError(`perceptual loss: the style image must be [1, 3, H, W], got ${fmt(style.shape)}`);
    this.checkSize(style, 'style image');
    const names = this.styleLayers.map((l) => l.name);
    if (names.length > 0) {
      const feats = noGrad(() => vgg.extract(style, names));
      for (const n of names) {
        const g = noGrad(() => F.gram(feats.get(n)!));
        if (!g.data.every(Number.isFinite)) throw new Error(`perceptual loss: the style features at ${n} are not finite (NaN or infinite weights or pixels?)`);
        this.styleTargets.set(n, g);
      }
    }
  }

  /** The smallest image side the layers accept. */
  get minSide(): number {
    return minImageSide(this.vgg, this.layers);
  }

  private checkSize(x: Tensor, what: string): void {
    const min = this.minSide;
    if (x.shape[2] < min || x.shape[3] < min) throw new RangeError(`perceptual loss: the ${what} is ${x.shape[3]}×${x.shape[2]} px; layers ${this.layers.join(', ')} need at least ${min}×${min}`);
  }

  /**
   * The loss of outputs y for content images x (both RGB 0–255 [N, 3, H, W], same shape): a tensor
   * with y's graph (when grads are enabled) and the terms as numbers.
   */
  evaluate(y: Tensor, x: Tensor): { loss: Tensor; terms: LossTerms } {
    if (y.ndim !== 4 || y.shape[1] !== 3 || fmt(y.shape) !== fmt(x.shape)) {
      throw new ShapeError(`perceptual loss: output ${fmt(y.shape)} and content ${fmt(x.shape)} must both be [N, 3, H, W] of one shape`);
    }
    this.checkSize(y, 'image');
    const cNames = this.contentLayers.map((l) => l.name);
    const targets = cNames.length === 0 ? new Map<string, Tensor>() : noGrad(() => this.vgg.extract(x, cNames));
    const feats = this.vgg.extract(y, this.layers);
    const contentLayers: Record<string, number> = {}, styleLayers: Record<string, number> = {};
    const sum = (parts: Tensor[]): Tensor => parts.reduce((a, b) => F.add(a, b));
    const c = this.contentLayers.map((l) => {
      const t = F.mul(contentLoss(feats.get(l.name)!, targets.get(l.name)!), l.weight);
      contentLayers[l.name] = t.data[0];
      return t;
    });
    const s = this.styleLayers.map((l) => {
      const t = F.mul(styleLoss(feats.get(l.name)!, this.styleTargets.get(l.name)!), l.weight);
      styleLayers[l.name] = t.data[0];
      return t;
    });
    const { content: cw, style: sw, tv: tw } = this.weights;
    const cSum = c.length > 0 ? sum(c) : null, sSum = s.length > 0 ? sum(s) : null;
    // the TV value is always reported; it joins the graph only when it is weighted
    const tv = tw === 0 ? noGrad(() => tvLoss(y)) : tvLoss(y);
    const parts = [...(cSum ? [F.mul(cSum, cw)] : []), ...(sSum ? [F.mul(sSum, sw)] : []), ...(tw !== 0 ? [F.mul(tv, tw)] : [])];
    const loss = parts.length > 0 ? sum(parts) : F.mul(F.sum(y), 0); // every weight 0
    return { loss, terms: { content: cSum?.data[0] ?? 0, style: sSum?.data[0] ?? 0, tv: tv.data[0], total: loss.data[0], contentLayers, styleLayers } };
  }
}
