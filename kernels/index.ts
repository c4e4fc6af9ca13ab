/**
 * dermacam's pixel kernels, compiled to WebAssembly (kernels.wasm, `npm run build:kernels`): the
 * loops of pre-processing that run on every still, where JavaScript was 2-3 times slower. Each
 * call from JavaScript resets the arena, takes its input buffers from it, and reads the result
 * before the next call. src/kernels.ts loads them.
 */
export { reset, take } from './arena';
export { jpegRoundTrip } from './jpeg';
export { enlarge } from './enlarge';
