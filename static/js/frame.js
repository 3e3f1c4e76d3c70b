// Decodes the binary envelope of docs/protocol.md: u32 LE header length, JSON header, payload.
// Pictures may be deflate-compressed; codes 0 … levels − 1 span each picture's range.
const TYPED = { uint8: Uint8Array, float32: Float32Array, int32: Int32Array };

async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function decodeFrame(buffer) {
  const headerLength = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, headerLength)));
  const start = 4 + headerLength;
  const arrays = {};
  for (const spec of header.arrays) {
    const Type = TYPED[spec.dtype];
    let data;
    if (spec.encoding === "deflate") {
      const bytes = await inflate(new Uint8Array(buffer, start + spec.offset, spec.nbytes));
      data = new Type(bytes.buffer, 0, bytes.byteLength / Type.BYTES_PER_ELEMENT);
    } else {
      data = new Type(buffer, start + spec.offset, spec.nbytes / Type.BYTES_PER_ELEMENT);
    }
    arrays[spec.name] = { data, shape: spec.shape, range: spec.range, levels: spec.levels ?? 256 };
  }
  return { header, arrays };
}
