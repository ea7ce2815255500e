// Dense float arrays of the learned views (adapter.ts, pair-mlp.ts): their dot product, and the
// weights-file encoding (float32 little-endian, base64).

/** Dot product of w[o .. o + n) with x[0 .. n). Four partial sums: V8 keeps them in registers and
 * overlaps the multiplies, about 2x faster than one running sum here. The learned views (adapter,
 * pair network) spend nearly all their time in this loop. */
export function dotAt(w: Float64Array, o: number, x: ArrayLike<number>, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let c = 0;
  for (; c + 3 < n; c += 4) {
    s0 += (w[o + c] as number) * (x[c] as number);
    s1 += (w[o + c + 1] as number) * (x[c + 1] as number);
    s2 += (w[o + c + 2] as number) * (x[c + 2] as number);
    s3 += (w[o + c + 3] as number) * (x[c + 3] as number);
  }
  for (; c < n; c++) s0 += (w[o + c] as number) * (x[c] as number);
  return s0 + s1 + s2 + s3;
}

/** Float32 little-endian, base64 (the weights file's encoding of a parameter array). */
export function encodeF32(values: ArrayLike<number>): string {
  const buf = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) buf.writeFloatLE(values[i] as number, i * 4);
  return buf.toString('base64');
}

/** The first `n` floats of an encodeF32 string (the constructors check the count). */
export function decodeF32(text: string, n: number): Float32Array {
  const buf = Buffer.from(text, 'base64');
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}
