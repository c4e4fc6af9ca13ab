"""Fine-tunes MobileNet V1 (from the tfjs ImageNet weights in ../shared/models) on the pixel cache
that scripts/train.ts writes with the app's own preprocessing. Training only: the app never needs
Python. Run by `npm run train` with Debian's interpreter (/usr/bin/python3, python3-torch).

Resumable: every epoch writes <out>/checkpoint.pt (model, EMA, optimiser, history); a rerun with
the same settings continues from it. The best epoch by HAM val AUC (raw or EMA weights) is kept
in <out>/best.pt and exported, in the Keras layout that tfjs loads, to <out>/export.{json,bin}.
"""
import argparse
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

TAPS = [(9, 'avg'), (10, 'avg'), (11, 'avg'), (11, 'max'), (12, 'avg'), (13, 'avg'), (13, 'max')]
STRIDE_2_BLOCKS = {2, 4, 6, 12}
TTA = {'none': [], 'h': [3], 'v': [2], 'hv': [2, 3]}
# augmentation -> (camera augmentation, crops, artefacts, webcam: sensor noise and more vignettes); 'lesion' is the
# shipped recipe (v3). Without its wide crops ('camera-artefacts') the clean val AUC was higher but painted frames
# moved benign pictures more (TRAINING.md)
AUGMENTATIONS = {
    'flips': (False, None, False, False),
    'camera': (True, 'narrow', False, False),
    'camera-crops': (True, 'wide', False, False),
    'camera-artefacts': (True, 'narrow', True, False),
    'lesion': (True, 'wide', True, False),
    'lesion-mixed': (True, 'mixed', True, False),
    'lesion-webcam': (True, 'mixed', True, True),
}


def log(out, line):
    stamped = f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {line}"
    print(stamped, flush=True)
    with open(os.path.join(out, 'finetune.log'), 'a') as f:
        f.write(stamped + '\n')


# ---- the network, with TensorFlow's 'same' padding (bottom/right gets the odd pixel) ----

def same_pad(x, kernel, stride):
    size = x.shape[-1]
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    before = total // 2
    return F.pad(x, (before, total - before, before, total - before))


class ConvBn(nn.Module):
    def __init__(self, cin, cout, kernel, stride, depthwise=False):
        super().__init__()
        self.kernel, self.stride = kernel, stride
        self.conv = nn.Conv2d(cin, cout, kernel, stride, 0, groups=cin if depthwise else 1, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01)  # Keras momentum 0.99

    def forward(self, x):
        if self.kernel > 1:
            x = same_pad(x, self.kernel, self.stride)
        return F.hardtanh(self.bn(self.conv(x)), 0.0, 6.0)  # relu6


class DermacamNet(nn.Module):
    """MobileNet V1 -> pooled taps of blocks 9-13 -> dense(hidden, relu) -> dropout -> dense(1)."""

    def __init__(self, widths, hidden, dropout):
        super().__init__()
        self.conv1 = ConvBn(3, widths[0], 3, 2)
        blocks = []
        for i in range(1, 14):
            stride = 2 if i in STRIDE_2_BLOCKS else 1
            blocks.append(nn.Sequential(ConvBn(widths[i - 1], widths[i - 1], 3, stride, depthwise=True),
                                        ConvBn(widths[i - 1], widths[i], 1, 1)))
        self.blocks = nn.ModuleList(blocks)
        features = sum(widths[block] for block, _ in TAPS)
        self.hidden = nn.Linear(features, hidden)
        self.dropout = nn.Dropout(dropout)
        self.logit = nn.Linear(hidden, 1)

    def forward(self, x):
        x = self.conv1(x)
        pooled = []
        for i, block in enumerate(self.blocks, start=1):
            x = block(x)
            for tap_block, pool in TAPS:
                if tap_block == i:
                    pooled.append(x.mean((2, 3)) if pool == 'avg' else x.amax((2, 3)))
        h = F.relu(self.hidden(torch.cat(pooled, 1)))
        return self.logit(self.dropout(h)).squeeze(1)


# ---- weights in and out of the tfjs (Keras) layout ----

def read_tfjs_weights(folder):
    with open(os.path.join(folder, 'model.json')) as f:
        manifest = json.load(f)['weightsManifest']
    weights = {}
    for group in manifest:
        data = b''.join(open(os.path.join(folder, p), 'rb').read() for p in group['paths'])
        offset = 0
        for spec in group['weights']:
            if spec['dtype'] != 'float32' or 'quantization' in spec:
                raise SystemExit(f"{folder}: weight {spec['name']} is not plain float32.")
            count = int(np.prod(spec['shape']))
            weights[spec['name']] = np.frombuffer(data, np.float32, count, offset).reshape(spec['shape']).copy()
            offset += 4 * count
    return weights


def keras_layers(net):
    """(Keras layer name, ConvBn) pairs in the base network."""
    pairs = [('conv1', net.conv1)]
    for i, block in enumerate(net.blocks, start=1):
        pairs += [(f'conv_dw_{i}', block[0]), (f'conv_pw_{i}', block[1])]
    return pairs


def kernel_to_torch(name, kernel):
    # depthwise [kh, kw, c, 1] -> [c, 1, kh, kw]; conv [kh, kw, in, out] -> [out, in, kh, kw]
    return kernel.transpose(2, 3, 0, 1) if 'dw' in name else kernel.transpose(3, 2, 0, 1)


def kernel_to_keras(name, kernel):
    return kernel.transpose(2, 3, 0, 1) if 'dw' in name else kernel.transpose(2, 3, 1, 0)


def load_base(net, weights):
    with torch.no_grad():
        for name, layer in keras_layers(net):
            key = f'{name}/depthwise_kernel' if 'dw' in name else f'{name}/kernel'
            layer.conv.weight.copy_(torch.from_numpy(kernel_to_torch(name, weights[key]).copy()))
            bn = layer.bn
            bn.weight.copy_(torch.from_numpy(weights[f'{name}_bn/gamma']))
            bn.bias.copy_(torch.from_numpy(weights[f'{name}_bn/beta']))
            bn.running_mean.copy_(torch.from_numpy(weights[f'{name}_bn/moving_mean']))
            bn.running_var.copy_(torch.from_numpy(weights[f'{name}_bn/moving_variance']))


def export_keras(net):
    """Every weight under its tfjs name, in Keras layout: what scripts/train.ts loads into the app's topology."""
    out = {}
    for name, layer in keras_layers(net):
        key = f'{name}/depthwise_kernel' if 'dw' in name else f'{name}/kernel'
        out[key] = kernel_to_keras(name, layer.conv.weight.detach().numpy())
        bn = layer.bn
        out[f'{name}_bn/gamma'] = bn.weight.detach().numpy()
        out[f'{name}_bn/beta'] = bn.bias.detach().numpy()
        out[f'{name}_bn/moving_mean'] = bn.running_mean.numpy()
        out[f'{name}_bn/moving_variance'] = bn.running_var.numpy()
    for name, dense in (('head_hidden', net.hidden), ('head_logit', net.logit)):
        out[f'{name}/kernel'] = dense.weight.detach().numpy().T
        out[f'{name}/bias'] = dense.bias.detach().numpy()
    return out


# ---- data ----

class CachedSet:
    def __init__(self, cache, name, limit=None):
        with open(os.path.join(cache, f'{name}.json')) as f:
            index = json.load(f)
        self.size = index['size']
        rows = index['rows']
        self.pixels = np.memmap(os.path.join(cache, f'{name}.u8'), np.uint8, 'r', shape=(len(rows), self.size, self.size, 3))
        jpeg = os.path.join(cache, f'{name}.jpeg.u8')
        self.jpeg = np.memmap(jpeg, np.uint8, 'r', shape=self.pixels.shape) if os.path.exists(jpeg) else None
        # where the app takes frames out: each picture with a frame painted on and taken out again, and
        # which pictures had a frame of their own (scripts/lib/pixelCache.ts)
        framed = os.path.join(cache, f'{name}.framed.u8')
        self.framed_copy = np.memmap(framed, np.uint8, 'r', shape=self.pixels.shape) if os.path.exists(framed) else None
        self.framed = np.array([bool(r.get('framed')) for r in rows])
        self.labels = np.array([r['label'] for r in rows], np.float32)
        self.ids = [r['id'] for r in rows]
        self.order = np.arange(len(rows))
        if limit:
            # a quick run: the first malignant and benign rows, half each where possible
            malignant = np.flatnonzero(self.labels == 1)[: (limit + 1) // 2]
            benign = np.flatnonzero(self.labels == 0)[: limit - len(malignant)]
            self.order = np.sort(np.concatenate([malignant, benign]))

    def __len__(self):
        return len(self.order)


def to_input(pixels_u8):
    x = torch.from_numpy(np.ascontiguousarray(pixels_u8)).float().div_(127.5).sub_(1.0)
    return x.permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)


# ---- camera augmentation: what a webcam does to a lesion ----

ROTATION_DEGREES = 15
BLUR_RATE = 0.2
WIDE_MIN_AREA = 0.5
WIDE_MAX_ASPECT = 4 / 3
NARROW_SCALE = 0.1  # the square window's scale is 1 +- this
NARROW_SHIFT = 0.06
CROP_TEXT = {
    'narrow': f'scale {1 - NARROW_SCALE:g}-{1 + NARROW_SCALE:g}, shift up to {NARROW_SHIFT:.0%}',
    'wide': f'random resized crops over area {WIDE_MIN_AREA:g}-1.0 and aspect 3:4-4:3',
}
CROP_TEXT['mixed'] = f"half {CROP_TEXT['wide']}, half {CROP_TEXT['narrow']}"


def wide_window(n, r):
    """A random resized crop: the window's sides as fractions of the picture's (area WIDE_MIN_AREA-1.0, aspect 3:4-4:3), and its shift."""
    area = WIDE_MIN_AREA + r(n) * (1 - WIDE_MIN_AREA)
    aspect = torch.exp((r(n) * 2 - 1) * math.log(WIDE_MAX_ASPECT))
    scale_x, scale_y = (area * aspect).sqrt().clamp(max=1), (area / aspect).sqrt().clamp(max=1)
    shift = torch.stack([(r(n) * 2 - 1) * (1 - scale_x), (r(n) * 2 - 1) * (1 - scale_y)], 1) + (r(n, 2) * 2 - 1) * 0.03
    return scale_x, scale_y, shift


def narrow_window(n, r):
    """A square window at scale 1 +- NARROW_SCALE, shifted up to NARROW_SHIFT."""
    scale = 1 / (1 + (r(n) * 2 - 1) * NARROW_SCALE)
    return scale, scale, (r(n, 2) * 2 - 1) * NARROW_SHIFT


def augment(x, g, crops='narrow'):
    """x: [n, 3, s, s] in [-1, 1]. Flips and 90-degree turns, small rotation, a crop (narrow: scale
    0.9-1.1, square; wide: a random resized crop over area 0.5-1.0 and aspect 3:4-4:3; mixed: either, half
    and half) and shift
    (reflected borders, never black corners), brightness, contrast, colour cast, and sometimes blur."""
    n = x.shape[0]
    r = lambda *shape: torch.rand(*shape, generator=g)
    turned = []
    for i in range(n):
        xi = x[i]
        if r(1) < 0.5:
            xi = xi.flip(2)
        if r(1) < 0.5:
            xi = xi.flip(1)
        turned.append(torch.rot90(xi, int(r(1) * 4) % 4, (1, 2)))
    x = torch.stack(turned)
    angle = (r(n) * 2 - 1) * math.radians(ROTATION_DEGREES)
    if crops == 'mixed':
        wide = r(n) < 0.5
        (wide_x, wide_y, wide_shift), (narrow_x, narrow_y, narrow_shift) = wide_window(n, r), narrow_window(n, r)
        scale_x, scale_y = torch.where(wide, wide_x, narrow_x), torch.where(wide, wide_y, narrow_y)
        shift = torch.where(wide[:, None], wide_shift, narrow_shift)
    else:
        scale_x, scale_y, shift = (wide_window if crops == 'wide' else narrow_window)(n, r)
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack([torch.stack([cos * scale_x, -sin * scale_y, shift[:, 0]], 1),
                         torch.stack([sin * scale_x, cos * scale_y, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode='bilinear', padding_mode='reflection', align_corners=False)
    brightness = (r(n, 1, 1, 1) * 2 - 1) * 0.15
    contrast = 1 + (r(n, 1, 1, 1) * 2 - 1) * 0.2
    cast = 1 + (r(n, 3, 1, 1) * 2 - 1) * 0.08
    mean = x.mean((1, 2, 3), keepdim=True)
    x = ((x - mean) * contrast + mean + brightness)
    x = ((x + 1) * cast - 1)
    blurred = r(n) < BLUR_RATE
    if blurred.any():
        sigma = 0.4 + float(r(1)) * 0.8
        k = torch.arange(-2, 3, dtype=torch.float32)
        k = torch.exp(-k ** 2 / (2 * sigma ** 2))
        k = k / k.sum()
        kernel = (k[:, None] * k[None, :]).expand(3, 1, 5, 5).contiguous()
        xb = x[blurred]
        x[blurred] = F.conv2d(F.pad(xb, (2, 2, 2, 2), mode='reflect'), kernel, groups=3)
    return x.clamp(-1, 1).contiguous(memory_format=torch.channels_last)


# ---- artefacts: what lies around a lesion and says nothing about it ----

DARK_CORNER = 20  # corner luma (0-255) below which a picture counts as framed by a dark field
MARKING_RATE = 0.08  # each of vignette, ruler, ink ring and colour patch, on every picture alike
WEBCAM_VIGNETTE_RATE = 0.25  # the vignette's, with the webcam artefacts: a webcam's cheap lens darkens the edges of many pictures


def dark_cornered(pixels_u8):
    """Whether each picture's four 8x8 corners average below DARK_CORNER in luma: a dermatoscope's field."""
    s = pixels_u8.shape[1]
    corners = [pixels_u8[:, a:a + 8, b:b + 8] for a in (0, s - 8) for b in (0, s - 8)]
    luma = np.stack([c.astype(np.float32).mean((1, 2)) @ np.array([0.299, 0.587, 0.114], np.float32) for c in corners], 1)
    return luma.mean(1) < DARK_CORNER


def field_rates(sources, labels, framed, across_sources=False):
    """Per (source, class), the chance of painting a dark field onto a picture that has none, so that
    afterwards the same share of benign and malignant pictures of a source shows one: the field then
    says nothing of the label. The target share is the larger class's share plus 15 points (at most
    60%). With across_sources, one target for every source and class: a source with more malignant
    pictures then shows no more fields than another, so the field says nothing of the source either."""
    groups = [(int(source), c) for source in np.unique(sources) for c in (0, 1)]
    shares = {(source, c): framed[(sources == source) & (labels == c)].mean() for source, c in groups}
    rates = {}
    for source, c in groups:
        pool = shares.values() if across_sources else (shares[(source, 0)], shares[(source, 1)])
        target = min(0.6, max(pool) + 0.15)
        # a group already framed beyond the target gets no more fields (its share cannot be brought down)
        rates[(source, c)] = max(0.0, float((target - shares[(source, c)]) / (1 - shares[(source, c)])))
    return rates


def paint_artefacts(x, g, field_chance, vignette_rate=MARKING_RATE):
    """x: [n, 3, s, s] in [-1, 1]; field_chance: [n], the chance of a dark field for each picture.
    Dark circular fields (tight ones, off-centre ones, and wide ones that blacken only the corners),
    a soft vignette, a ruler at an edge, a surgical-pen ring around the centre, a colour patch."""
    n, _, s, _ = x.shape
    r = lambda *shape: torch.rand(*shape, generator=g)
    c = (torch.arange(s, dtype=torch.float32) + 0.5) / s * 2 - 1
    yy, xx = torch.meshgrid(c, c, indexing='ij')
    x = x.clone()
    for i in range(n):
        if r(1) < field_chance[i]:
            cx, cy = (r(2) * 2 - 1) * 0.15
            radius = 0.75 + float(r(1)) * 0.7  # 1.0 touches the edges; 1.41 only the corners
            d = ((xx - cx) ** 2 + (yy - cy) ** 2).sqrt()
            inside = ((radius - d) / (0.01 + float(r(1)) * 0.06)).clamp(0, 1)
            dark = -1 + float(r(1)) * 0.12
            x[i] = x[i] * inside + dark * (1 - inside)
        if r(1) < vignette_rate:
            d2 = (xx - (r(1) * 2 - 1) * 0.2) ** 2 + (yy - (r(1) * 2 - 1) * 0.2) ** 2
            x[i] = (x[i] + 1) * (1 - (0.25 + float(r(1)) * 0.5) * d2 / 2).clamp(0, 1) - 1
        if r(1) < MARKING_RATE:
            x[i] = ruler(x[i], g)
        if r(1) < MARKING_RATE:
            radius = 0.45 + float(r(1)) * 0.35
            d = (((xx - (r(1) * 2 - 1) * 0.1) / (0.8 + float(r(1)) * 0.4)) ** 2 + (yy - (r(1) * 2 - 1) * 0.1) ** 2).sqrt()
            ring = ((0.012 + float(r(1)) * 0.02) - (d - radius).abs()).clamp(min=0) > 0
            ink = torch.tensor([-0.3, -0.6, 0.2]) + (r(3) * 2 - 1) * 0.25  # violet to blue
            x[i] = torch.where(ring, ink[:, None, None].expand_as(x[i]), x[i])
        if r(1) < MARKING_RATE:
            side = int(s * (0.08 + float(r(1)) * 0.1))
            top = 0 if r(1) < 0.5 else s - side
            left = 0 if r(1) < 0.5 else s - side
            x[i, :, top:top + side, left:left + side] = (r(3) * 2 - 1)[:, None, None]
    return x.clamp(-1, 1).contiguous(memory_format=torch.channels_last)


def ruler(xi, g):
    """A light or dark scale bar along one edge, with ticks."""
    r = lambda *shape: torch.rand(*shape, generator=g)
    s = xi.shape[-1]
    width = int(s * (0.05 + float(r(1)) * 0.07))
    tone = 0.9 if r(1) < 0.6 else -0.85
    bar = torch.full((3, width, s), tone)
    spacing = max(3, int(s * (0.03 + float(r(1)) * 0.03)))
    bar[:, : width // 2, ::spacing] = -tone
    edge = int(r(1) * 4)
    xi = torch.rot90(xi, edge, (1, 2)).clone()
    xi[:, :width] = bar
    return torch.rot90(xi, -edge, (1, 2))


NOISE_RATE = 0.3  # share of pictures given sensor noise
NOISE_SIGMA = 0.08  # its standard deviation at most, in input units: 10 of 255 levels


def sensor_noise(x, g):
    """x: [n, 3, s, s] in [-1, 1]. Gaussian noise on every pixel and channel of NOISE_RATE of the pictures,
    its standard deviation uniform up to NOISE_SIGMA: a webcam's sensor in dim light, added after the optics."""
    n = x.shape[0]
    noisy = (torch.rand(n, 1, 1, 1, generator=g) < NOISE_RATE).float()
    sigma = torch.rand(n, 1, 1, 1, generator=g) * NOISE_SIGMA * noisy
    return (x + sigma * torch.randn(x.shape, generator=g)).clamp(-1, 1).contiguous(memory_format=torch.channels_last)


def augmentation_description(augment, framed_copies, jpeg_p):
    """What the recipe does to a training picture, in words, with the rates above: the model card's text."""
    camera, crops, artefacts, webcam = AUGMENTATIONS[augment]
    if not camera:
        return 'horizontal and vertical flips'
    parts = [f'flips and 90-degree turns; rotation up to {ROTATION_DEGREES} degrees (reflected borders, never black corners); '
             f'brightness, contrast, colour cast; Gaussian blur (p {BLUR_RATE}); a JPEG re-compressed copy (p {jpeg_p})', CROP_TEXT[crops]]
    if artefacts:
        fields = 'artefacts painted onto both classes: dark circular fields (tight, off-centre, or corners only)'
        markings = f'a vignette, a ruler at an edge, a surgical-pen ring and a colour patch, each on {MARKING_RATE:.0%} of all pictures'
        parts.append(f"{fields}, painted and taken out again as the app takes a frame out, on the same share of every source's benign and malignant pictures; {markings}"
                     if framed_copies else
                     f'{fields} at per-source, per-class rates that leave as many benign as malignant pictures of a source framed; {markings}')
    if webcam:
        parts.append(f'Gaussian sensor noise on {NOISE_RATE:.0%} of pictures (standard deviation up to {NOISE_SIGMA * 127.5:.0f} levels), '
                     f'and the vignette on {WEBCAM_VIGNETTE_RATE:.0%} of pictures instead of {MARKING_RATE:.0%}')
    return '; '.join(parts)


def flips_only(x, g):
    n = x.shape[0]
    out = []
    for i in range(n):
        xi = x[i]
        if torch.rand(1, generator=g) < 0.5:
            xi = xi.flip(2)
        if torch.rand(1, generator=g) < 0.5:
            xi = xi.flip(1)
        out.append(xi)
    return torch.stack(out).contiguous(memory_format=torch.channels_last)


# ---- evaluation ----

def auc(labels, scores):
    labels = np.asarray(labels)
    scores = np.asarray(scores, np.float64)
    order = np.argsort(scores, kind='mergesort')
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):  # average ranks over ties
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    pos = labels == 1
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


@torch.no_grad()
def predict(net, data, flips=('none',), rows=None, batch=16):
    """Mean logit over `flips` of each row (default: the set's rows). Small batches: measured here,
    a batch of 64 ran 4-10 times slower per image than one of 16 (channels-last, CPU)."""
    net.eval()
    rows = data.order if rows is None else rows
    logits = []
    for start in range(0, len(rows), batch):
        x = to_input(data.pixels[rows[start:start + batch]])
        logits.append(torch.stack([net(x.flip(TTA[f]) if TTA[f] else x) for f in flips]).mean(0))
    return torch.cat(logits).numpy()


# ---- training ----

class Ema:
    def __init__(self, net, decay):
        self.decay = decay
        self.state = {k: v.detach().clone() for k, v in net.state_dict().items()}

    @torch.no_grad()
    def update(self, net):
        for k, v in net.state_dict().items():
            if v.dtype.is_floating_point:
                self.state[k].mul_(self.decay).add_(v.detach(), alpha=1 - self.decay)
            else:
                self.state[k].copy_(v)


def param_groups(net, mode, lr, head_lr, weight_decay):
    trainable_blocks = {'all': range(0, 14), 'last4': range(10, 14), 'frozen': []}[mode]
    base, head, no_decay = [], [], []
    for name, p in net.named_parameters():
        if name.startswith(('hidden', 'logit')):
            (head if p.dim() > 1 else no_decay).append(p)
            continue
        block = 0 if name.startswith('conv1') else int(name.split('.')[1]) + 1
        p.requires_grad_(block in trainable_blocks)
        if p.requires_grad:
            (base if p.dim() > 1 else no_decay).append(p)
    return [
        {'params': base, 'lr': lr, 'weight_decay': weight_decay},
        {'params': head, 'lr': head_lr, 'weight_decay': weight_decay},
        {'params': no_decay, 'lr': lr, 'weight_decay': 0.0},
    ], trainable_blocks


def set_bn_mode(net, trainable_blocks):
    """BatchNorm statistics adapt only in the blocks that are trained."""
    for i, layer in keras_layers_indexed(net):
        layer.bn.train(i in trainable_blocks)


def has_framed_copies(train_sets):
    """Whether the pixel cache made framed copies (the app takes frames out): the fine-tuning then draws them for its dark fields."""
    return all(s.framed_copy is not None for s in train_sets)


def keras_layers_indexed(net):
    yield 0, net.conv1
    for i, block in enumerate(net.blocks, start=1):
        yield i, block[0]
        yield i, block[1]


def parse_args(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument('--cache', required=True)
    p.add_argument('--base', required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--mode', choices=['all', 'last4', 'frozen'], default='all')
    p.add_argument('--augment', choices=list(AUGMENTATIONS), default='lesion')
    p.add_argument('--epochs', type=int, default=10)
    p.add_argument('--patience', type=int, default=4)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--lr', type=float, default=2e-4)
    p.add_argument('--head-lr', type=float, default=1e-3)
    p.add_argument('--weight-decay', type=float, default=1e-4)
    p.add_argument('--warmup', type=float, default=0.3, help='epochs of linear warm-up')
    p.add_argument('--ema', type=float, default=0.998)
    p.add_argument('--hidden', type=int, default=256)
    p.add_argument('--dropout', type=float, default=0.5)
    p.add_argument('--jpeg-p', type=float, default=0.25, help='chance of the JPEG re-compressed copy')
    p.add_argument('--teacher', help='teacher logits (.npy over the training rows) for distillation')
    p.add_argument('--distill', type=float, default=0.5, help='weight of the teacher in the loss')
    p.add_argument('--parity', type=int, default=64, help='HAM val images whose logits are written for the parity check')
    p.add_argument('--teacher-logits', action='store_true', help='also write the kept weights\' logits over the training rows, to distil a smaller model from')
    p.add_argument('--limit', type=int, help='a quick run on N images per set')
    p.add_argument('--seed', type=int, default=20261127)
    p.add_argument('--threads', type=int, default=2)
    return p.parse_args(argv)


def config_hash(args):
    """What shapes the weights; a rerun that differs only in the rest (threads, what is exported) resumes."""
    config = {k: v for k, v in vars(args).items() if k not in ('threads', 'out', 'parity', 'teacher_logits')}
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]


def is_exported(args, run_hash, checkpoint_file):
    """An export written after the last checkpoint, by a run with these settings (and the teacher logits asked for)."""
    export_file = os.path.join(args.out, 'export.json')
    if not os.path.exists(export_file) or os.path.getmtime(export_file) < os.path.getmtime(checkpoint_file):
        return False
    with open(export_file) as f:
        summary = json.load(f)
    # an export without the augmentation's description is an older finetune.py's: written again from the kept weights
    if summary.get('config_hash') != run_hash or 'augmentation' not in summary:
        return False
    return not args.teacher_logits or os.path.exists(os.path.join(args.out, 'teacher-logits.npy'))


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    run_hash = config_hash(args)

    base_weights = read_tfjs_weights(args.base)
    widths = [base_weights['conv1/kernel'].shape[3]] + [base_weights[f'conv_pw_{i}/kernel'].shape[3] for i in range(1, 14)]
    torch.manual_seed(args.seed)
    net = DermacamNet(widths, args.hidden, args.dropout)
    load_base(net, base_weights)
    net = net.to(memory_format=torch.channels_last)

    train_sets = [CachedSet(args.cache, s, args.limit) for s in ('ham-train', 'isic-train')]
    ham_val = CachedSet(args.cache, 'ham-val', args.limit)
    isic_val = CachedSet(args.cache, 'isic-val', args.limit)
    rows = [(s, i) for s in train_sets for i in s.order]
    labels = np.array([s.labels[i] for s, i in rows], np.float32)
    camera, crops, artefacts, webcam = AUGMENTATIONS[args.augment]
    field_chance = np.zeros(len(rows), np.float32)
    # with framed copies, a picture drawn for a dark field takes its framed copy (the frame taken out as
    # the app takes it out) instead of a painted field
    framed_copies = has_framed_copies(train_sets)
    if artefacts:
        sources = np.array([k for k, s in enumerate(train_sets) for _ in s.order])
        framed = np.concatenate([s.framed[s.order] if framed_copies else dark_cornered(s.pixels[s.order]) for s in train_sets])
        rates = field_rates(sources, labels, framed, across_sources=framed_copies)
        field_chance = np.where(framed, 0.0, [rates[(int(src), int(c))] for src, c in zip(sources, labels)]).astype(np.float32)
        for (src, c), rate in sorted(rates.items()):
            share = framed[(sources == src) & (labels == c)].mean()
            log(args.out, f'dark field: {("ham-train", "isic-train")[src]} {("benign", "malignant")[c]} {100 * share:.1f}% framed; '
                          f'{"framed copy" if framed_copies else "painted"} for {100 * rate:.1f}% of the rest')
    teacher = np.load(args.teacher) if args.teacher else None
    if teacher is not None and len(teacher) != len(rows):
        raise SystemExit(f'The teacher logits hold {len(teacher)} rows where the training set has {len(rows)}.')
    pos_weight = torch.tensor((labels == 0).sum() / max((labels == 1).sum(), 1))
    steps_per_epoch = math.ceil(len(rows) / args.batch)
    total_steps = steps_per_epoch * args.epochs
    warmup_steps = max(1, int(args.warmup * steps_per_epoch))

    groups, trainable_blocks = param_groups(net, args.mode, args.lr, args.head_lr, args.weight_decay)
    optimiser = torch.optim.AdamW(groups)
    peak_lrs = [g['lr'] for g in optimiser.param_groups]
    ema = Ema(net, args.ema)
    history, start_epoch, best = [], 0, None

    checkpoint_file = os.path.join(args.out, 'checkpoint.pt')
    if os.path.exists(checkpoint_file):
        saved = torch.load(checkpoint_file)
        if saved['config_hash'] != run_hash:
            raise SystemExit(f'{checkpoint_file} was made with other settings; remove {args.out} to start again.')
        if is_exported(args, run_hash, checkpoint_file):
            log(args.out, f'fine-tune: {args.out} is finished with these settings; reusing its export')
            return
        net.load_state_dict(saved['net'])
        optimiser.load_state_dict(saved['optimiser'])
        ema.state = saved['ema']
        history, start_epoch, best = saved['history'], saved['epoch'] + 1, saved['best']
        log(args.out, f'resuming after epoch {saved["epoch"] + 1}')
    log(args.out, f'fine-tune: widths {widths}, mode {args.mode}, augment {args.augment}, {len(rows)} training rows '
                  f'({int(labels.sum())} malignant, pos_weight {float(pos_weight):.2f}), input {ham_val.size}, '
                  f'{args.epochs} epochs x {steps_per_epoch} steps, config {run_hash}')

    epochs_without_gain = 0 if best is None else len(history) - 1 - best['epoch']
    for epoch in range(start_epoch, args.epochs):
        if epochs_without_gain >= args.patience:
            log(args.out, f'early stop: no HAM val gain for {args.patience} epochs')
            break
        g = torch.Generator().manual_seed(args.seed * 1000 + epoch)
        order = torch.randperm(len(rows), generator=g).numpy()
        net.train()
        set_bn_mode(net, trainable_blocks)
        started, seen, loss_sum = time.time(), 0, 0.0
        for step in range(steps_per_epoch):
            global_step = epoch * steps_per_epoch + step
            warm = min(1.0, (global_step + 1) / warmup_steps)
            decay = 0.5 * (1 + math.cos(math.pi * min(1.0, global_step / total_steps)))
            for group, peak in zip(optimiser.param_groups, peak_lrs):
                group['lr'] = peak * warm * (0.01 + 0.99 * decay)
            batch_rows = order[step * args.batch:(step + 1) * args.batch]
            pixels = []
            for r in batch_rows:
                s, i = rows[r]
                use_jpeg = s.jpeg is not None and camera and torch.rand(1, generator=g) < args.jpeg_p
                use_framed = framed_copies and torch.rand(1, generator=g) < field_chance[r]
                pixels.append((s.framed_copy if use_framed else s.jpeg if use_jpeg else s.pixels)[i])
            x = to_input(np.stack(pixels))
            x = augment(x, g, crops) if camera else flips_only(x, g)
            if artefacts:
                x = paint_artefacts(x, g, np.zeros(len(batch_rows), np.float32) if framed_copies else field_chance[batch_rows],
                                    WEBCAM_VIGNETTE_RATE if webcam else MARKING_RATE)
            if webcam:
                x = sensor_noise(x, g)
            y = torch.from_numpy(labels[batch_rows])
            logits = net(x)
            loss = F.binary_cross_entropy_with_logits(logits, y, pos_weight=pos_weight)
            if teacher is not None:
                target = torch.sigmoid(torch.from_numpy(teacher[batch_rows]) / 2.0)
                distill = F.binary_cross_entropy_with_logits(logits / 2.0, target) * 4.0
                loss = (1 - args.distill) * loss + args.distill * distill
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            ema.update(net)
            seen += len(batch_rows)
            loss_sum += float(loss) * len(batch_rows)
            if step % 50 == 0 or step == steps_per_epoch - 1:
                rate = seen / (time.time() - started)
                left = (steps_per_epoch - step - 1) * args.batch / rate
                log(args.out, f'epoch {epoch + 1}/{args.epochs} step {step + 1}/{steps_per_epoch} loss {loss_sum / seen:.4f} '
                              f'{rate:.1f} img/s, epoch ETA {left / 60:.1f} min')

        raw_state = {k: v.clone() for k, v in net.state_dict().items()}
        row = {'epoch': epoch, 'train_loss': loss_sum / seen, 'train_s': time.time() - started}
        for kind, state in (('raw', raw_state), ('ema', ema.state)):
            net.load_state_dict(state)
            row[f'{kind}_ham_val_auc'] = auc(ham_val.labels[ham_val.order], predict(net, ham_val))
            row[f'{kind}_isic_val_auc'] = auc(isic_val.labels[isic_val.order], predict(net, isic_val))
        net.load_state_dict(raw_state)
        history.append(row)
        kind = 'ema' if row['ema_ham_val_auc'] >= row['raw_ham_val_auc'] else 'raw'
        score = row[f'{kind}_ham_val_auc']
        if best is None or score > best['ham_val_auc']:
            best = {'epoch': epoch, 'weights': kind, 'ham_val_auc': score, 'isic_val_auc': row[f'{kind}_isic_val_auc']}
            torch.save({'net': ema.state if kind == 'ema' else raw_state, 'best': best}, os.path.join(args.out, 'best.pt.partial'))
            os.replace(os.path.join(args.out, 'best.pt.partial'), os.path.join(args.out, 'best.pt'))
            epochs_without_gain = 0
        else:
            epochs_without_gain += 1
        log(args.out, f'epoch {epoch + 1} done in {row["train_s"] / 60:.1f} min: HAM val AUC raw {row["raw_ham_val_auc"]:.4f} '
                      f'ema {row["ema_ham_val_auc"]:.4f}; isic-extra val AUC raw {row["raw_isic_val_auc"]:.4f} '
                      f'ema {row["ema_isic_val_auc"]:.4f}; best epoch {best["epoch"] + 1} ({best["weights"]})')
        torch.save({'config_hash': run_hash, 'net': raw_state, 'optimiser': optimiser.state_dict(), 'ema': ema.state,
                    'history': history, 'epoch': epoch, 'best': best}, checkpoint_file + '.partial')
        os.replace(checkpoint_file + '.partial', checkpoint_file)

    export(args, net, ham_val, isic_val, train_sets, history)


def export(args, net, ham_val, isic_val, train_sets, history):
    best = torch.load(os.path.join(args.out, 'best.pt'))
    net.load_state_dict(best['net'])
    net.eval()
    flip_sets = {'1': ['none'], '2': ['none', 'hv'], '4': ['none', 'h', 'v', 'hv']}
    tta_rows = {}
    for name, flips in flip_sets.items():
        tta_rows[name] = {'ham_val_auc': auc(ham_val.labels[ham_val.order], predict(net, ham_val, flips)),
                          'isic_val_auc': auc(isic_val.labels[isic_val.order], predict(net, isic_val, flips))}
        log(args.out, f'test-time flips {name}: HAM val AUC {tta_rows[name]["ham_val_auc"]:.4f}, '
                      f'isic-extra val AUC {tta_rows[name]["isic_val_auc"]:.4f}')
    parity_rows = ham_val.order[:args.parity]
    parity_logits = {flip: [float(v) for v in predict(net, ham_val, [flip], parity_rows)] for flip in TTA}

    weights = export_keras(net)
    names = sorted(weights)
    offset, manifest, blobs = 0, [], []
    for name in names:
        value = np.ascontiguousarray(weights[name], np.float32)
        manifest.append({'name': name, 'shape': list(value.shape), 'offset': offset})
        blobs.append(value.tobytes())
        offset += value.nbytes
    with open(os.path.join(args.out, 'export.bin'), 'wb') as f:
        f.write(b''.join(blobs))
    summary = {
        'config_hash': config_hash(args), 'input_size': ham_val.size, 'hidden': args.hidden, 'mode': args.mode, 'augment': args.augment,
        'augmentation': {'text': augmentation_description(args.augment, has_framed_copies(train_sets), args.jpeg_p),
                         'sensor_noise': AUGMENTATIONS[args.augment][3], 'jpeg_copy_rate': args.jpeg_p if AUGMENTATIONS[args.augment][0] else 0},
        'distilled': bool(args.teacher), 'best': best['best'], 'history': history, 'test_time_flips': tta_rows,
        'weights': manifest, 'parity': {'set': 'ham-val', 'ids': [ham_val.ids[i] for i in parity_rows], 'logits_by_flip': parity_logits},
    }
    with open(os.path.join(args.out, 'export.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    teacher_file = os.path.join(args.out, 'teacher-logits.npy')
    best_file = os.path.join(args.out, 'best.pt')
    fresh = os.path.exists(teacher_file) and os.path.getmtime(teacher_file) >= os.path.getmtime(best_file)
    if args.teacher_logits and not fresh:
        # logits over the training rows (no flips), for distilling a smaller model from this one
        teacher = np.concatenate([predict(net, s) for s in train_sets])
        np.save(teacher_file, teacher.astype(np.float32))
    log(args.out, f'exported {len(names)} weights to {args.out}/export.bin')


if __name__ == '__main__':
    main()
