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
import time

import numpy as np
import torch
import torch.nn.functional as F

from training.augment import (AUGMENTATIONS, MARKING_RATE, WEBCAM_VIGNETTE_RATE, augment, augmentation_summary, field_rates,
                              dark_cornered, flips_only, paint_artefacts, sensor_noise)
from training.data import CachedSet, has_framed_copies, to_input
from training.network import DermacamNet, export_keras, keras_layers_indexed, load_base, read_tfjs_weights

TTA = {'none': [], 'h': [3], 'v': [2], 'hv': [2, 3]}


def log(out, line):
    stamped = f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {line}"
    print(stamped, flush=True)
    with open(os.path.join(out, 'finetune.log'), 'a') as f:
        f.write(stamped + '\n')


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
        'augmentation': augmentation_summary(args.augment, has_framed_copies(train_sets), args.jpeg_p),
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
