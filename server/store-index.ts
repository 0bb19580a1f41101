// A compact hash index from object keys to numbers (log offsets), for tens of millions of keys.
//
// A JS Map costs ~100 bytes an entry plus the key string, and stops at 16,777,216 entries. Here each
// slot is a 32-bit hash of the key and a float64 value in two typed arrays (12 bytes a slot, open
// addressing with linear probing, at most 3/4 full): the key itself is not kept. The caller proves
// a hash match is its key with `isKey(value)`, which reads the key back from where the value
// points, so distinct keys that share a hash stay distinct. A probe walks the hash array alone
// (16 slots a cache line; hash 0 marks a free slot, so real hashes are stored as at least 1) and
// touches a value only on a hash match.

/** Value stored in an empty slot; callers never store 0 (the log starts with a magic header). */
const EMPTY = 0;
/** A hash as stored: never 0, which marks a free slot. */
const stored = (hash: number) => hash >>> 0 || 1;
const MAX_LOAD = 0.75;

/** FNV-1a over the bytes, then the murmur3 finalizer so the low bits (the slot) mix well. */
export function hashBytes(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class KeyIndex {
  private hashes: Uint32Array;
  private values: Float64Array;
  private mask: number;
  /** Keys held. */
  size = 0;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    while (capacity * MAX_LOAD < initialCapacity) capacity *= 2;
    this.hashes = new Uint32Array(capacity);
    this.values = new Float64Array(capacity);
    this.mask = capacity - 1;
  }

  /** Bytes held by the table itself. */
  get byteLength(): number {
    return this.hashes.byteLength + this.values.byteLength;
  }

  /** The slot holding the key (≥ 0); when absent, -(the free slot where it would go + 1). */
  find(hash: number, isKey: (value: number) => boolean): number {
    hash = stored(hash);
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const slotHash = this.hashes[slot]!;
      if (slotHash === 0) return -(slot + 1);
      if (slotHash === hash && isKey(this.values[slot]!)) return slot;
    }
  }

  valueAt(slot: number): number {
    return this.values[slot]!;
  }

  setAt(slot: number, value: number): void {
    this.values[slot] = value;
  }

  /** Adds a key known to be absent; `absent` is what find() returned for it, if nothing changed since. */
  insert(hash: number, value: number, absent?: number): void {
    if (value === EMPTY) throw new Error('KeyIndex: 0 is reserved for empty slots');
    hash = stored(hash);
    if (this.size + 1 > this.values.length * MAX_LOAD) {
      this.grow();
      this.place(hash, value);
    } else if (absent !== undefined && absent < 0) {
      this.hashes[-absent - 1] = hash;
      this.values[-absent - 1] = value;
    } else this.place(hash, value);
    this.size++;
  }

  /** Removes the key in `slot`, shifting later entries of its probe run back (no tombstones). */
  deleteAt(slot: number): void {
    const mask = this.mask;
    let hole = slot;
    for (let next = (hole + 1) & mask; this.hashes[next] !== 0; next = (next + 1) & mask) {
      const home = this.hashes[next]! & mask;
      // Move the entry into the hole unless its home lies cyclically in (hole, next].
      const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
      if (stays) continue;
      this.hashes[hole] = this.hashes[next]!;
      this.values[hole] = this.values[next]!;
      hole = next;
    }
    this.values[hole] = EMPTY;
    this.hashes[hole] = 0;
    this.size--;
  }

  /** Calls `visit` with every stored value (order unspecified). */
  forEachValue(visit: (value: number) => void): void {
    const values = this.values;
    for (let slot = 0; slot < values.length; slot++) if (values[slot] !== EMPTY) visit(values[slot]!);
  }

  private place(hash: number, value: number): void {
    let slot = hash & this.mask;
    while (this.hashes[slot] !== 0) slot = (slot + 1) & this.mask;
    this.hashes[slot] = hash;
    this.values[slot] = value;
  }

  private grow(): void {
    const { hashes, values } = this;
    this.hashes = new Uint32Array(hashes.length * 2);
    this.values = new Float64Array(values.length * 2);
    this.mask = this.values.length - 1;
    for (let slot = 0; slot < hashes.length; slot++) if (hashes[slot] !== 0) this.place(hashes[slot]!, values[slot]!);
  }
}
