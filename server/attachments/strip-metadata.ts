import { AppError } from '../../shared/errors';
import type { AttachmentType } from '../../shared/attachments';

/**
 * Removes metadata from an image at the container level, without decoding or re-encoding a pixel:
 * EXIF (camera, time and GPS location), XMP, IPTC, comments and text chunks. What draws the image, and its
 * colour profile, is kept byte for byte. A file whose structure does not parse is refused: it is not the
 * image its first bytes claim, and storing it unstripped could keep what we promised to remove.
 * PDFs are returned as they are (they are served as downloads, never rendered by our pages).
 */
export function stripMetadata(type: AttachmentType, bytes: Buffer): Buffer {
  try {
    switch (type) {
      case 'image/jpeg':
        return stripJpeg(bytes);
      case 'image/png':
        return stripPng(bytes);
      case 'image/webp':
        return stripWebp(bytes);
      case 'image/gif':
        return stripGif(bytes);
      default:
        return bytes;
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw damaged();
  }
}

const damaged = () => new AppError('invalid_payload', 'This image is damaged or not what it claims to be.');

function need(ok: boolean): void {
  if (!ok) throw damaged();
}

/**
 * JPEG: markers FFxx; segments with a 2-byte length. Dropped: APP1 (EXIF, XMP), APP3–APP13 (IPTC and
 * vendors' blocks), APP15 and COM. Kept: APP0 (JFIF), APP2 only when it is an ICC profile (colour), APP14
 * "Adobe" (says how the colours are encoded: without it a CMYK image decodes wrongly; it holds no personal
 * data). After a scan header the entropy-coded data runs to the next marker that is not a stuffed byte or
 * a restart marker; progressive files have several scans, each parsed the same way.
 */
function stripJpeg(src: Buffer): Buffer {
  need(src[0] === 0xff && src[1] === 0xd8);
  const out: Buffer[] = [src.subarray(0, 2)];
  let i = 2;
  while (i < src.length) {
    need(src[i] === 0xff);
    let marker = src[i + 1];
    // Fill bytes: any number of FF before a marker.
    while (marker === 0xff) {
      i++;
      marker = src[i + 1];
    }
    need(marker !== undefined);
    if (marker === 0xd9) {
      out.push(src.subarray(i, i + 2));
      return Buffer.concat(out);
    }
    // Standalone markers (TEM, RSTn) carry no length.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      out.push(src.subarray(i, i + 2));
      i += 2;
      continue;
    }
    need(i + 4 <= src.length);
    const length = src.readUInt16BE(i + 2);
    need(length >= 2 && i + 2 + length <= src.length);
    const end = i + 2 + length;
    if (keepJpegSegment(marker, src.subarray(i + 4, end))) out.push(src.subarray(i, end));
    i = end;
    if (marker === 0xda) {
      // Entropy-coded data: up to the next real marker.
      const start = i;
      while (i < src.length) {
        if (src[i] === 0xff && i + 1 < src.length) {
          const next = src[i + 1];
          if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7) && next !== 0xff) break;
        }
        i++;
      }
      out.push(src.subarray(start, i));
    }
  }
  // No end-of-image marker: a truncated file is refused rather than stored as it came.
  throw damaged();
}

function keepJpegSegment(marker: number, body: Buffer): boolean {
  if (marker === 0xfe) return false; // COM
  if (marker < 0xe0 || marker > 0xef) return true; // not an APPn: tables, frame, scan
  if (marker === 0xe0) return true; // JFIF / JFXX
  if (marker === 0xe2) return body.subarray(0, 12).toString('latin1') === 'ICC_PROFILE\0';
  if (marker === 0xee) return body.subarray(0, 5).toString('latin1') === 'Adobe';
  return false;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Text, EXIF and time chunks: the metadata a PNG carries. Everything else draws the image or its colours. */
const PNG_DROP = new Set(['eXIf', 'tEXt', 'iTXt', 'zTXt', 'tIME']);

/** PNG: the signature, then chunks of length (4), type (4), data, CRC (4), up to IEND. */
function stripPng(src: Buffer): Buffer {
  need(src.subarray(0, 8).equals(PNG_SIGNATURE));
  const out: Buffer[] = [PNG_SIGNATURE];
  let i = 8;
  while (i + 12 <= src.length) {
    const length = src.readUInt32BE(i);
    const type = src.subarray(i + 4, i + 8).toString('latin1');
    const end = i + 12 + length;
    need(/^[A-Za-z]{4}$/.test(type) && end <= src.length);
    if (!PNG_DROP.has(type)) out.push(src.subarray(i, end));
    i = end;
    if (type === 'IEND') return Buffer.concat(out);
  }
  throw damaged();
}

/** VP8X flag bits for EXIF and XMP (RFC 9649 §2.7): cleared once their chunks are gone. */
const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;

/** WebP: "RIFF" size "WEBP", then chunks of FourCC (4), size (4, LE), data padded to an even length. */
function stripWebp(src: Buffer): Buffer {
  need(src.length >= 12);
  const riffEnd = Math.min(src.length, 8 + src.readUInt32LE(4));
  const out: Buffer[] = [];
  let i = 12;
  while (i + 8 <= riffEnd) {
    const fourcc = src.subarray(i, i + 4).toString('latin1');
    const size = src.readUInt32LE(i + 4);
    const end = i + 8 + size + (size & 1);
    need(end <= riffEnd || (end === riffEnd + 1 && (size & 1) === 1));
    if (fourcc === 'EXIF' || fourcc === 'XMP ') {
      i = end;
      continue;
    }
    let chunk = src.subarray(i, Math.min(end, src.length));
    if (fourcc === 'VP8X') {
      need(size >= 10);
      chunk = Buffer.from(chunk);
      chunk[8] &= ~(VP8X_EXIF | VP8X_XMP);
    }
    out.push(chunk);
    i = end;
  }
  need(out.length > 0);
  const body = Buffer.concat(out);
  const header = Buffer.alloc(12);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(body.length + 4, 4);
  header.write('WEBP', 8, 'latin1');
  return Buffer.concat([header, body]);
}

/** The application extensions that make a GIF loop; every other one (XMP among them) is metadata. */
const GIF_KEEP_APPS = new Set(['NETSCAPE2.0', 'ANIMEXTS1.0']);

/**
 * GIF: header, logical screen descriptor (and global colour table), then blocks up to the trailer:
 * extensions (0x21 label, sub-blocks) and images (0x2C descriptor, local colour table, LZW data in
 * sub-blocks). Comment extensions and application extensions other than the loop count are dropped.
 */
function stripGif(src: Buffer): Buffer {
  need(src.length >= 13);
  let i = 13;
  const screenFlags = src[10];
  if (screenFlags & 0x80) i += 3 * 2 ** ((screenFlags & 0x07) + 1);
  need(i <= src.length);
  const out: Buffer[] = [src.subarray(0, i)];
  /** The end of the sub-blocks starting at `at` (after the zero-length terminator). */
  const subBlocksEnd = (at: number): number => {
    let j = at;
    for (;;) {
      need(j < src.length);
      const n = src[j];
      j += 1 + n;
      if (n === 0) return j;
    }
  };
  while (i < src.length) {
    const block = src[i];
    if (block === 0x3b) {
      out.push(src.subarray(i, i + 1));
      return Buffer.concat(out);
    }
    if (block === 0x21) {
      const label = src[i + 1];
      const end = subBlocksEnd(i + 2);
      let keep = label !== 0xfe;
      if (label === 0xff) {
        const size = src[i + 2];
        keep = size === 11 && GIF_KEEP_APPS.has(src.subarray(i + 3, i + 14).toString('latin1'));
      }
      if (keep) out.push(src.subarray(i, end));
      i = end;
      continue;
    }
    need(block === 0x2c && i + 10 <= src.length);
    const flags = src[i + 9];
    let j = i + 10;
    if (flags & 0x80) j += 3 * 2 ** ((flags & 0x07) + 1);
    // LZW minimum code size, then the image data.
    const end = subBlocksEnd(j + 1);
    out.push(src.subarray(i, end));
    i = end;
  }
  throw damaged();
}
