// Decodes the binary frame envelope of API.md: u32 LE header length, JSON header, payload.
const TYPED = { uint8: Uint8Array, float32: Float32Array, int32: Int32Array };

export function decodeFrame(buffer) {
  const headerLength = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, headerLength)));
  const start = 4 + headerLength;
  const arrays = {};
  for (const spec of header.arrays) {
    const Type = TYPED[spec.dtype];
    const view = new Type(buffer, start + spec.offset, spec.nbytes / Type.BYTES_PER_ELEMENT);
    arrays[spec.name] = { data: view, shape: spec.shape };
  }
  return { header, arrays };
}

// uint8 code -> value in the header's value_range.
export function decodeValue(code, [lo, hi] = [-1, 1]) {
  return lo + (code / 255) * (hi - lo);
}
