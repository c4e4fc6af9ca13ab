import sharp from 'sharp';

/**
 * A synthetic, lesion-like picture (a mottled brown patch on skin) drawn with SVG. `phase`
 * (periodic in 2π) moves and turns it a little, so a demo camera can show a live picture.
 * No real patient data is involved.
 */
export async function renderDemoLesion(width: number, height: number, phase = 0): Promise<Buffer> {
  const cx = width / 2 + Math.sin(phase) * width * 0.02;
  const cy = height / 2 + Math.cos(phase) * height * 0.02;
  const r = Math.min(width, height) * 0.22;
  const angle = (Math.sin(phase) * 10).toFixed(1);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <defs>
    <radialGradient id="skin" cx="50%" cy="45%" r="75%">
      <stop offset="0%" stop-color="#e8b89a"/><stop offset="100%" stop-color="#c99276"/>
    </radialGradient>
    <radialGradient id="lesion" cx="45%" cy="45%" r="60%">
      <stop offset="0%" stop-color="#3b2218"/><stop offset="55%" stop-color="#6b3f2a"/><stop offset="100%" stop-color="#a06a50" stop-opacity="0"/>
    </radialGradient>
    <filter id="rough"><feTurbulence type="fractalNoise" baseFrequency="0.035" numOctaves="3" seed="7"/><feDisplacementMap in="SourceGraphic" scale="${(r * 0.35).toFixed(1)}"/></filter>
  </defs>
  <rect width="100%" height="100%" fill="url(#skin)"/>
  <g transform="rotate(${angle} ${cx.toFixed(1)} ${cy.toFixed(1)})" filter="url(#rough)">
    <ellipse cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" rx="${(r * 1.15).toFixed(1)}" ry="${r.toFixed(1)}" fill="url(#lesion)"/>
    <ellipse cx="${(cx + r * 0.25).toFixed(1)}" cy="${(cy - r * 0.15).toFixed(1)}" rx="${(r * 0.35).toFixed(1)}" ry="${(r * 0.25).toFixed(1)}" fill="#2a160f" opacity="0.6"/>
  </g>
</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer();
}
