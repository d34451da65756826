import zlib from 'node:zlib';

/** GPS coordinates written into the test images' EXIF, as ASCII and as the rational bytes EXIF stores. */
export const GPS_MARK = 'GPS-55.7558N-37.6173E';

/** A TIFF/EXIF block with a GPS IFD (latitude ref "N", a lat rational) and a maker string naming the place. */
function exifTiff(): Buffer {
  // Little-endian TIFF: header, IFD0 with one entry (GPSInfo pointer), GPS IFD with two entries, then data.
  const b = Buffer.alloc(128);
  b.write('II', 0, 'latin1');
  b.writeUInt16LE(42, 2);
  b.writeUInt32LE(8, 4);
  // One IFD entry: tag, type, count, value (or offset).
  const entry = (at: number, tag: number, type: number, count: number, value: number) => {
    b.writeUInt16LE(tag, at);
    b.writeUInt16LE(type, at + 2);
    b.writeUInt32LE(count, at + 4);
    b.writeUInt32LE(value, at + 8);
  };
  // IFD0 at 8: 1 entry — 0x8825 GPSInfo, LONG, 1, offset 26; no next IFD.
  b.writeUInt16LE(1, 8);
  entry(10, 0x8825, 4, 1, 26);
  b.writeUInt32LE(0, 22);
  // GPS IFD at 26: 2 entries — GPSLatitudeRef "N" (ASCII, inline), GPSLatitude 3 rationals at 56.
  b.writeUInt16LE(2, 26);
  entry(28, 1, 2, 2, 0);
  b.write('N\0', 36, 'latin1');
  entry(40, 2, 5, 3, 56);
  b.writeUInt32LE(0, 52);
  for (const [i, v] of [55, 45, 20].entries()) {
    b.writeUInt32LE(v, 56 + i * 8);
    b.writeUInt32LE(1, 60 + i * 8);
  }
  b.write(GPS_MARK, 88, 'latin1');
  return b;
}

function segment(marker: number, body: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

/**
 * A JPEG as a camera writes one: JFIF, EXIF with a GPS position, XMP, a comment, then the tables, frame,
 * one scan (with a stuffed FF 00 and a restart marker in its data) and the end marker.
 */
export function jpegWithGps(): { file: Buffer; scan: Buffer } {
  const scan = Buffer.from([0x12, 0x34, 0xff, 0x00, 0x56, 0xff, 0xd0, 0x78, 0x9a]);
  const file = Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')),
    segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), exifTiff()])),
    segment(
      0xe1,
      Buffer.from(`http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>${GPS_MARK}</exif:GPSLatitude></x:xmpmeta>`, 'latin1'),
    ),
    segment(0xe2, Buffer.from('ICC_PROFILE\0\x01\x01colour', 'latin1')),
    segment(0xfe, Buffer.from(`Taken at ${GPS_MARK}`, 'latin1')),
    segment(0xdb, Buffer.alloc(65, 1)),
    segment(0xc0, Buffer.from([8, 0, 1, 0, 1, 1, 1, 0x11, 0])),
    segment(0xc4, Buffer.alloc(20, 2)),
    segment(0xda, Buffer.from([1, 1, 0, 0, 0x3f, 0])),
    scan,
    Buffer.from([0xff, 0xd9]),
  ]);
  return { file, scan };
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(typed) >>> 0);
  return Buffer.concat([len, typed, crc]);
}

/** A real, viewable RGB PNG of one colour; with `metadata`, EXIF (GPS), text chunks and a time stamp too. */
export function png(width: number, height: number, options: { metadata?: boolean; rgb?: [number, number, number] } = {}): Buffer {
  const [r, g, b] = options.rgb ?? [47, 91, 234];
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => [r, g, b]).flat())]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  const meta = options.metadata
    ? [
        pngChunk('eXIf', exifTiff()),
        pngChunk('tEXt', Buffer.from(`Comment\0${GPS_MARK}`, 'latin1')),
        pngChunk('iTXt', Buffer.from(`XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta>${GPS_MARK}</x:xmpmeta>`, 'latin1')),
        pngChunk('tIME', Buffer.from([0x07, 0xea, 11, 25, 10, 0, 0])),
      ]
    : [];
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    ...meta,
    pngChunk('IDAT', zlib.deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The smallest PDF a reader opens: one empty page. */
export function pdf(): Buffer {
  return Buffer.from(
    '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
      '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
    'latin1',
  );
}
