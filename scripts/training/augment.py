"""What the fine-tuning does to a training picture: a webcam's camera effects, crops, artefacts that say
nothing of the lesion (dark fields, markings) and sensor noise, by recipe; and the recipe in words for the model card."""
import math

import numpy as np
import torch
import torch.nn.functional as F

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


def augmentation_summary(augment, framed_copies, jpeg_p):
    """The recipe as export.json gives it to the model card: in words, with the rates above; whether it adds
    sensor noise; the chance of the pixel cache's JPEG copy."""
    camera, _, _, webcam = AUGMENTATIONS[augment]
    return {'text': augmentation_description(augment, framed_copies, jpeg_p), 'sensor_noise': webcam, 'jpeg_copy_rate': jpeg_p if camera else 0}


def augmentation_description(augment, framed_copies, jpeg_p):
    """What the recipe does to a training picture, in words, with the rates above."""
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
