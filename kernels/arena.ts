/**
 * The memory one call works in: taken in order from the start of the heap and given back all at
 * once by `reset`, which each call from JavaScript begins with. Nothing is kept between calls.
 */
let next: usize = __heap_base;

export function reset(): void {
  next = __heap_base;
}

/** `bytes` of memory, 16-byte aligned, growing the memory when it runs out. */
export function take(bytes: i32): usize {
  const at = (next + 15) & ~(<usize>15);
  next = at + <usize>bytes;
  const missingPages = <i32>((next + 0xffff) >> 16) - memory.size();
  if (missingPages > 0 && memory.grow(missingPages) < 0) unreachable();
  return at;
}
