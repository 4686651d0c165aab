// A heap buffer kept across requests (the bucket key, the record a write sends): allocated once and
// grown, doubling from 256 bytes, only when a request needs more.
export class ReusedBuffer {
  ptr: usize = 0;
  private cap: usize = 0;

  /** At least `n` bytes at `ptr` (returned); when it grows, the previous contents are not kept. */
  reserve(n: usize): usize {
    if (n > this.cap) {
      if (this.ptr != 0) heap.free(this.ptr);
      let cap: usize = 256;
      while (cap < n) cap <<= 1;
      this.ptr = heap.alloc(cap);
      this.cap = cap;
    }
    return this.ptr;
  }
}
