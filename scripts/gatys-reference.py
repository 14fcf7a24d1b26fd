#!/usr/bin/env python3
"""PyTorch reference for ganstyle's Gatys style transfer (run by hand; never by tests or CI).

The reduced Gatys problem of issue 8: the shared partial VGG-19 (conv1_1 ... conv3_4, RGB 0-255
minus the mean [123.68, 116.779, 103.939], no std), content relu3_2, style relu1_1/relu2_1/relu3_1,
content weight 1, style weight 10, TV weight 0, start from the content image, torch.optim.LBFGS
(lr 1, history 100, no line search) with one iteration per step() call, N iterations.

  content = sum_l w_l * mean((F_l - P_l)^2)
  style   = sum_l w_l * mean((G_l - A_l)^2),  G = F F^T / (C H W)
  tv      = sum of squared differences of neighbouring pixels
  total   = content_weight * content + style_weight * style + tv_weight * tv

Both sides must read identical pixels, so the 256x192 PNGs are made with ganstyle's own resize:

  npx tsx test/style/gatys-ref-images.ts scratch/gatys-ref
  apt-get install -y python3-torch python3-numpy libopenblas0-pthread   # without openblas torch is ~15x slower
  /usr/bin/python3 scripts/gatys-reference.py --threads 2 --iterations 300 \\
      --content scratch/gatys-ref/tubingen-256x192.png --style scratch/gatys-ref/starry_night-256x192.png \\
      --log scratch/gatys-ref/torch.jsonl --out scratch/gatys-ref/torch-300.png

It prints the objective at k = 0, 1 and N (k = the image after k updates; the last needs one extra
evaluation) and the seconds per iteration, and can write one JSON line per iteration in the same
format as `ganstyle stylize --log` and the final image. Needs only torch and numpy (the PNG and
safetensors readers are below).
"""
import argparse
import json
import os
import struct
import sys
import time
import zlib

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_WEIGHTS = os.path.join(HERE, '..', '..', 'shared', 'models', 'vgg19-features-conv1_1-conv3_4.safetensors')
# torchvision vgg19().features indices of the layers used
LAYERS = {'relu1_1': 1, 'relu1_2': 3, 'relu2_1': 6, 'relu2_2': 8, 'relu3_1': 11, 'relu3_2': 13, 'relu3_3': 15, 'relu3_4': 17}
CONVS = [0, 2, 5, 7, 10, 12, 14, 16]
POOLS = [4, 9]


def read_safetensors(path):
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop('__metadata__', {})
    out = {}
    for name, info in header.items():
        if info['dtype'] != 'F32':
            raise ValueError(f'{path}: {name} has dtype {info["dtype"]}, expected F32')
        a, b = info['data_offsets']
        out[name] = torch.from_numpy(np.frombuffer(data[8 + n + a:8 + n + b], dtype='<f4').reshape(info['shape']).copy())
    return out, meta


def read_png(path):
    """8-bit RGB/RGBA/gray PNG, not interlaced -> float32 [3, H, W] (0-255; alpha must be opaque)."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError(f'{path}: not a PNG')
    pos, idat, ihdr = 8, b'', None
    while pos < len(data):
        (length,) = struct.unpack('>I', data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b'IHDR':
            ihdr = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat += body
        pos += 12 + length
    w, h, depth, color, _, _, interlace = ihdr
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color]
    if depth != 8 or interlace != 0:
        raise ValueError(f'{path}: only 8-bit non-interlaced PNGs are supported')
    raw = zlib.decompress(idat)
    stride = w * channels
    img = np.zeros((h, stride), dtype=np.int32)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(h):
        ftype = raw[y * (stride + 1)]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=y * (stride + 1) + 1).astype(np.int32)
        out = np.zeros(stride, dtype=np.int32)
        for x in range(stride):
            a = out[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            if ftype == 0:
                pred = 0
            elif ftype == 1:
                pred = a
            elif ftype == 2:
                pred = b
            elif ftype == 3:
                pred = (a + b) // 2
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            out[x] = (line[x] + pred) & 255
        img[y] = out
        prev = out
    img = img.reshape(h, w, channels)
    if channels in (2, 4) and (img[..., -1] != 255).any():
        raise ValueError(f'{path}: has transparent pixels')
    rgb = np.repeat(img[..., :1], 3, axis=2) if channels <= 2 else img[..., :3]
    return torch.from_numpy(rgb.transpose(2, 0, 1).astype(np.float32).copy())


def write_png(path, rgb):
    """[3, H, W] uint8-valued array -> 8-bit RGB PNG (filter 0)."""
    c, h, w = rgb.shape
    rows = np.ascontiguousarray(rgb.transpose(1, 2, 0).astype(np.uint8))
    raw = b''.join(b'\x00' + rows[y].tobytes() for y in range(h))

    def chunk(kind, body):
        return struct.pack('>I', len(body)) + kind + body + struct.pack('>I', zlib.crc32(kind + body) & 0xffffffff)
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
                + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b''))


class Vgg(torch.nn.Module):
    def __init__(self, tensors, last):
        super().__init__()
        self.last = last
        self.layers = torch.nn.ModuleList()
        for i in range(last + 1):
            if i in CONVS:
                cout, cin = tensors[f'features.{i}.weight'].shape[:2]
                conv = torch.nn.Conv2d(cin, cout, 3, padding=1)
                conv.weight.data.copy_(tensors[f'features.{i}.weight'])
                conv.bias.data.copy_(tensors[f'features.{i}.bias'])
                self.layers.append(conv)
            elif i in POOLS:
                self.layers.append(torch.nn.MaxPool2d(2, 2))
            else:
                self.layers.append(torch.nn.ReLU())
        self.requires_grad_(False)

    def forward(self, x, names):
        want = {LAYERS[n]: n for n in names}
        out = {}
        for i, m in enumerate(self.layers):
            x = m(x)
            if i in want:
                out[want[i]] = x
        return out


def gram(f):
    n, c, h, w = f.shape
    f = f.reshape(n, c, h * w)
    return torch.bmm(f, f.transpose(1, 2)) / (c * h * w)


def tv_loss(x):
    return ((x[:, :, 1:, :] - x[:, :, :-1, :]) ** 2).sum() + ((x[:, :, :, 1:] - x[:, :, :, :-1]) ** 2).sum()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--weights', default=DEFAULT_WEIGHTS)
    ap.add_argument('--content', required=True)
    ap.add_argument('--style', required=True)
    ap.add_argument('--iterations', type=int, default=300)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--content-layers', default='relu3_2')
    ap.add_argument('--style-layers', default='relu1_1,relu2_1,relu3_1')
    ap.add_argument('--content-weight', type=float, default=1.0)
    ap.add_argument('--style-weight', type=float, default=10.0)
    ap.add_argument('--tv-weight', type=float, default=0.0)
    ap.add_argument('--float64', action='store_true', help='compute in float64 (shows how the trajectory depends on rounding)')
    ap.add_argument('--log', help='one JSON line per iteration k = 0..N')
    ap.add_argument('--out', help='the final image as PNG')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dtype = torch.float64 if a.float64 else torch.float32

    tensors, meta = read_safetensors(a.weights)
    mean = torch.tensor([123.68, 116.779, 103.939], dtype=dtype).view(1, 3, 1, 1)
    if '123.68' not in meta.get('input', '') or 'RGB' not in meta.get('input', ''):
        print(f'warning: the weights metadata does not state RGB 0-255 minus [123.68, 116.779, 103.939]: {meta.get("input")}', file=sys.stderr)
    content_layers = a.content_layers.split(',')
    style_layers = a.style_layers.split(',')
    names = content_layers + [s for s in style_layers if s not in content_layers]
    vgg = Vgg(tensors, max(LAYERS[n] for n in names)).to(dtype)

    content = read_png(a.content).to(dtype).unsqueeze(0) - mean
    style = read_png(a.style).to(dtype).unsqueeze(0) - mean
    t0 = time.perf_counter()
    with torch.no_grad():
        p = vgg(content, content_layers)
        s = vgg(style, style_layers)
        targets_c = {n: p[n] for n in content_layers}
        targets_s = {n: gram(s[n]) for n in style_layers}

    x = content.clone().requires_grad_(True)
    opt = torch.optim.LBFGS([x], lr=1, max_iter=1, history_size=100, line_search_fn=None)

    def evaluate():
        f = vgg(x, names)
        cl = {n: F.mse_loss(f[n], targets_c[n]) for n in content_layers}
        sl = {n: F.mse_loss(gram(f[n]), targets_s[n]) for n in style_layers}
        c = sum(cl.values())
        st = sum(sl.values())
        tv = tv_loss(x)
        total = a.content_weight * c + a.style_weight * st
        if a.tv_weight != 0:
            total = total + a.tv_weight * tv
        terms = {'content': float(c), 'style': float(st), 'tv': float(tv), 'total': float(total),
                 'content_layers': {n: float(v) for n, v in cl.items()}, 'style_layers': {n: float(v) for n, v in sl.items()}}
        return total, terms

    records = []
    log = open(a.log, 'w') if a.log else None

    def record(k, terms):
        r = {'iteration': k, **terms, 'elapsed': time.perf_counter() - t0}
        records.append(r)
        if log:
            log.write(json.dumps(r) + '\n')

    pending = []

    def closure():
        opt.zero_grad()
        total, terms = evaluate()
        total.backward()
        if not pending:
            pending.append(terms)
        return total

    loop0 = time.perf_counter()
    for k in range(a.iterations):
        pending.clear()
        opt.step(closure)
        record(k, pending[0])
    with torch.no_grad():
        _, terms = evaluate()
    record(a.iterations, terms)
    loop = time.perf_counter() - loop0

    def show(r):
        sl = ', '.join(f'{n} {v:.6g}' for n, v in r['style_layers'].items())
        print(f"k={r['iteration']}: total {r['total']:.8g}  content {r['content']:.8g}  style {r['style']:.8g} ({sl})  tv {r['tv']:.8g}")
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, {dtype}, image {tuple(x.shape)}')
    for r in records[:2] + ([records[-1]] if len(records) > 2 else []):
        show(r)
    print(f'{loop / max(1, a.iterations):.4f} s per iteration ({a.iterations} iterations + 1 evaluation in {loop:.1f} s; targets {loop0 - t0:.2f} s)')
    if a.out:
        img = (x.detach() + mean).clamp(0, 255).round()[0].to(torch.float32).numpy()
        write_png(a.out, img)
        print(f'wrote {a.out}')


if __name__ == '__main__':
    main()
