/** Writes assets/demo-lesion.jpg, the synthetic image the README's first command classifies. */
import { writeFileSync } from 'node:fs';
import { renderDemoLesion } from '../src/camera/demoLesion.js';

writeFileSync('assets/demo-lesion.jpg', await renderDemoLesion(640, 480));
