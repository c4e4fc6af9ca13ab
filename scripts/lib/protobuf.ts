/**
 * The few protocol-buffer encodings an ONNX file needs (varints, lengths, bytes), so that the
 * export needs no protobuf library. Fields are written in the order they are added.
 */
export class ProtoWriter {
  private readonly parts: Uint8Array[] = [];

  /** A varint field (int32, int64, enum); negative values are not used by the export. */
  varint(field: number, value: number): this {
    this.parts.push(encodeVarint(field * 8), encodeVarint(value));
    return this;
  }

  /** A 32-bit float field. */
  float(field: number, value: number): this {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.parts.push(encodeVarint(field * 8 + 5), bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.parts.push(encodeVarint(field * 8 + 2), encodeVarint(value.length), value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, message: ProtoWriter): this {
    return this.bytes(field, message.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of this.parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }
}

function encodeVarint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`cannot encode ${value} as a varint`);
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Uint8Array.from(bytes);
}
