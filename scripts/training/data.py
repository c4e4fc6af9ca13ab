"""The pixel cache that scripts/train.ts writes with the app's own preprocessing, read back for training."""
import json
import os

import numpy as np
import torch


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


def has_framed_copies(train_sets):
    """Whether the pixel cache made framed copies (the app takes frames out): the fine-tuning then draws them for its dark fields."""
    return all(s.framed_copy is not None for s in train_sets)
