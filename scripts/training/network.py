"""MobileNet V1 with dermacam's head in PyTorch, with TensorFlow's 'same' padding, and its weights in and out of
the tfjs (Keras) layout: the network the app runs, so that an export loads into it unchanged."""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

TAPS = [(9, 'avg'), (10, 'avg'), (11, 'avg'), (11, 'max'), (12, 'avg'), (13, 'avg'), (13, 'max')]
STRIDE_2_BLOCKS = {2, 4, 6, 12}


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


def keras_layers_indexed(net):
    yield 0, net.conv1
    for i, block in enumerate(net.blocks, start=1):
        yield i, block[0]
        yield i, block[1]
