import sharp from 'sharp';

/**
 * Ways a picture can reach the model broken or covered: damaged files that still decode, colour
 * casts, partial decodes, heavy noise, and something lying over the lesion. Each takes a JPEG
 * (a HAM10000 image) and a seeded random source, and returns the damaged file and its extension.
 */
export type Corrupt = (jpeg: Buffer, random: () => number) => Promise<{ bytes: Buffer; ext: string }>;

/** Flips 1 to 16 random bits until libvips still decodes the file (reporting at most warnings). */
async function flipBitsUntilDecodable(file: Buffer, random: () => number): Promise<Buffer> {
  for (;;) {
    const flipped = Buffer.from(file);
    const flips = 1 + Math.floor(random() * 16);
    for (let k = 0; k < flips; k++) flipped[Math.floor(random() * flipped.length)]! ^= 1 << Math.floor(random() * 8);
    try {
      await sharp(flipped, { failOn: 'error' }).raw().toBuffer();
      if (!flipped.equals(file)) return flipped;
    } catch {
      // undecodable: try other bits
    }
  }
}

/** Multiplies the red, green and blue channels by `gains`. */
const cast = (gains: [number, number, number]) => async (jpeg: Buffer) => ({ bytes: await sharp(jpeg).linear(gains, [0, 0, 0]).jpeg({ quality: 90 }).toBuffer(), ext: 'jpg' });

/** Standard normal samples (Box-Muller). */
const normal = (random: () => number) => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

/** The mean colour of the picture's outer frame: the skin around the lesion. */
async function skinColour(jpeg: Buffer): Promise<string> {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const margin = Math.round(Math.min(width, height) / 8);
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (x >= margin && x < width - margin && y >= margin && y < height - margin) continue;
      for (let c = 0; c < 3; c++) sum[c]! += data[3 * (y * width + x) + c]!;
      n++;
    }
  }
  return `rgb(${sum.map((s) => Math.round(s / n)).join(',')})`;
}

async function overlay(jpeg: Buffer, svg: (width: number, height: number) => string): Promise<{ bytes: Buffer; ext: string }> {
  const { width = 0, height = 0 } = await sharp(jpeg).metadata();
  const bytes = await sharp(jpeg).composite([{ input: Buffer.from(svg(width, height)) }]).jpeg({ quality: 90 }).toBuffer();
  return { bytes, ext: 'jpg' };
}

export const CORRUPTIONS: Record<string, Corrupt> = {
  'bitflip-jpeg': async (jpeg, random) => ({ bytes: await flipBitsUntilDecodable(jpeg, random), ext: 'jpg' }),
  'bitflip-webp': async (jpeg, random) => ({ bytes: await flipBitsUntilDecodable(await sharp(jpeg).webp().toBuffer(), random), ext: 'webp' }),
  'cast-green': cast([0.7, 1.15, 0.8]),
  'cast-blue': cast([0.7, 0.9, 1.35]),
  'cast-magenta': cast([1.1, 0.7, 1.15]),
  /** A strong cast of a random hue: one channel kept, the others scaled by 0.3-0.6. */
  'cast-strong': async (jpeg, random) => {
    const kept = Math.floor(random() * 3);
    const gains = [0, 1, 2].map((c) => (c === kept ? 1 : 0.3 + 0.3 * random())) as [number, number, number];
    return cast(gains)(jpeg);
  },
  /** A JPEG cut at 40-90% of its length; libvips refuses it unless told to fail on nothing. */
  truncated: async (jpeg, random) => ({ bytes: jpeg.subarray(0, Math.floor(jpeg.length * (0.4 + 0.5 * random()))), ext: 'jpg' }),
  /** The same cut file decoded leniently (grey or smeared below the cut) and saved whole, as another program might. */
  'partial-decode': async (jpeg, random) => {
    const cut = jpeg.subarray(0, Math.floor(jpeg.length * (0.4 + 0.5 * random())));
    return { bytes: await sharp(cut, { failOn: 'none' }).png().toBuffer(), ext: 'png' };
  },
  /** Gaussian noise of standard deviation 25-45 levels on every channel of every pixel. */
  noise: async (jpeg, random) => {
    const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const sigma = 25 + 20 * random();
    const noisy = Buffer.from(data.map((v) => Math.max(0, Math.min(255, Math.round(v + sigma * normal(random))))));
    return { bytes: await sharp(noisy, { raw: info }).png().toBuffer(), ext: 'png' };
  },
  /** A shaded, skin-coloured fingertip reaching from one edge to the centre. */
  finger: async (jpeg, random) => {
    const colour = await skinColour(jpeg);
    const angle = Math.floor(random() * 360);
    return overlay(jpeg, (width, height) => {
      const r = Math.min(width, height) * (0.16 + 0.08 * random());
      const [cx, cy] = [width / 2 + (random() - 0.5) * r, height / 2 + (random() - 0.5) * r];
      return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
        <defs><linearGradient id="shade"><stop offset="0" stop-color="${colour}" stop-opacity="1"/><stop offset="1" stop-color="black" stop-opacity="0.35"/></linearGradient>
        <filter id="soft"><feGaussianBlur stdDeviation="${(r / 12).toFixed(1)}"/></filter></defs>
        <g transform="rotate(${angle} ${cx} ${cy})" filter="url(#soft)">
          <path d="M ${cx - r} ${cy} A ${r} ${r} 0 0 1 ${cx + r} ${cy} L ${cx + r} ${cy + width + height} L ${cx - r} ${cy + width + height} Z" fill="${colour}"/>
          <path d="M ${cx - r} ${cy} A ${r} ${r} 0 0 1 ${cx + r} ${cy} L ${cx + r} ${cy + width + height} L ${cx - r} ${cy + width + height} Z" fill="url(#shade)" opacity="0.5"/>
        </g></svg>`;
    });
  },
  /** A ruler: a light bar with dark ticks, at a random angle through the centre. */
  ruler: async (jpeg, random) => {
    const angle = Math.floor(random() * 180);
    return overlay(jpeg, (width, height) => {
      const side = Math.min(width, height);
      const bar = side * (0.12 + 0.08 * random());
      const step = side / (12 + Math.floor(random() * 12));
      const length = width + height;
      const ticks = Array.from({ length: Math.ceil(length / step) }, (_, i) => {
        const x = width / 2 - length / 2 + i * step;
        return `<rect x="${x}" y="${height / 2 - bar / 2}" width="${step / 4}" height="${bar * (i % 5 === 0 ? 0.8 : 0.45)}" fill="#111"/>`;
      }).join('');
      return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
        <g transform="rotate(${angle} ${width / 2} ${height / 2})">
          <rect x="${width / 2 - length / 2}" y="${height / 2 - bar / 2}" width="${length}" height="${bar}" fill="#e8e4d8"/>${ticks}
        </g></svg>`;
    });
  },
};
