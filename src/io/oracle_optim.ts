// Oracle cases for the optimizers (FORMAT.md §5, §6): adam/sgd apply the given grad_1..grad_k one
// step each; lbfgs runs `steps` calls of step(closure) on a quadratic or extended-Rosenbrock
// objective written in ops, and records f after each call (not step()'s return value).
import { Tensor } from '../tensor.js';
import { noGrad } from '../autograd.js';
import { Adam, LBFGS, SGD, quadratic, rosenbrock } from '../optim/index.js';

function snapshot(t: Tensor): Tensor {
  return new Tensor(t.data.slice(), t.shape);
}

export function runOptimizerCase(op: string, attrs: Record<string, any>, inputs: Record<string, Tensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const param = new Tensor(inputs.param.data.slice(), inputs.param.shape, true);
  if (op === 'adam' || op === 'sgd') {
    const opt = op === 'adam'
      ? new Adam([param], { lr: attrs.lr, betas: attrs.betas, eps: attrs.eps, weight_decay: attrs.weight_decay, amsgrad: attrs.amsgrad })
      : new SGD([param], { lr: attrs.lr, momentum: attrs.momentum, dampening: attrs.dampening, weight_decay: attrs.weight_decay, nesterov: attrs.nesterov });
    for (let i = 1; `grad_${i}` in inputs; i++) {
      param.grad = inputs[`grad_${i}`];
      opt.step();
      out.set(`param_after_${i}`, snapshot(param));
    }
    return out;
  }
  const f = attrs.objective === 'quadratic' ? quadratic(inputs.A, inputs.b)
    : attrs.objective === 'rosenbrock' ? rosenbrock(attrs.alpha)
    : null;
  if (f === null) throw new Error(`lbfgs: unknown objective ${JSON.stringify(attrs.objective)}`);
  const opt = new LBFGS([param], {
    lr: attrs.lr, max_iter: attrs.max_iter, max_eval: attrs.max_eval, tolerance_grad: attrs.tolerance_grad,
    tolerance_change: attrs.tolerance_change, history_size: attrs.history_size, line_search_fn: attrs.line_search_fn,
  });
  const closure = () => {
    opt.zeroGrad();
    const loss = f(param);
    loss.backward();
    return loss;
  };
  for (let i = 1; i <= attrs.steps; i++) {
    opt.step(closure);
    out.set(`param_after_${i}`, snapshot(param));
    out.set(`loss_after_${i}`, noGrad(() => f(param)));
  }
  return out;
}
