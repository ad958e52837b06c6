/**
 * The transfer syntaxes medpipe decodes (PS3.5 Section 10 and Annex A), and how. Anything not in this
 * table is refused with a BAD_FILE that says how to transcode the file, never decoded by guesswork.
 */
export type PixelEncoding = 'native' | 'rle' | 'jpeg-baseline' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg2000';

export interface TransferSyntax {
  readonly name: string;
  readonly encoding: PixelEncoding;
  readonly littleEndian: boolean;
}

export const TRANSFER_SYNTAXES: Readonly<Record<string, TransferSyntax>> = Object.freeze({
  '1.2.840.10008.1.2': { name: 'Implicit VR Little Endian', encoding: 'native', littleEndian: true },
  '1.2.840.10008.1.2.1': { name: 'Explicit VR Little Endian', encoding: 'native', littleEndian: true },
  '1.2.840.10008.1.2.1.99': { name: 'Deflated Explicit VR Little Endian', encoding: 'native', littleEndian: true },
  '1.2.840.10008.1.2.2': { name: 'Explicit VR Big Endian', encoding: 'native', littleEndian: false },
  '1.2.840.10008.1.2.5': { name: 'RLE Lossless', encoding: 'rle', littleEndian: true },
  '1.2.840.10008.1.2.4.50': { name: 'JPEG Baseline (Process 1)', encoding: 'jpeg-baseline', littleEndian: true },
  // Process 2 & 4 is decoded when it holds 8-bit samples; 12-bit ones are refused (see dicom.ts).
  '1.2.840.10008.1.2.4.51': { name: 'JPEG Extended (Process 2 & 4)', encoding: 'jpeg-baseline', littleEndian: true },
  '1.2.840.10008.1.2.4.57': { name: 'JPEG Lossless, Non-Hierarchical (Process 14)', encoding: 'jpeg-lossless', littleEndian: true },
  '1.2.840.10008.1.2.4.70': { name: 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])', encoding: 'jpeg-lossless', littleEndian: true },
  '1.2.840.10008.1.2.4.80': { name: 'JPEG-LS Lossless', encoding: 'jpeg-ls', littleEndian: true },
  '1.2.840.10008.1.2.4.81': { name: 'JPEG-LS Lossy (Near-Lossless)', encoding: 'jpeg-ls', littleEndian: true },
  '1.2.840.10008.1.2.4.90': { name: 'JPEG 2000 (Lossless Only)', encoding: 'jpeg2000', littleEndian: true },
  '1.2.840.10008.1.2.4.91': { name: 'JPEG 2000', encoding: 'jpeg2000', littleEndian: true },
});

/** Names of syntaxes people meet and we refuse, so the error can say what the file is. */
export const KNOWN_UNSUPPORTED: Readonly<Record<string, string>> = Object.freeze({
  '1.2.840.10008.1.2.4.100': 'MPEG2 Main Profile / Main Level',
  '1.2.840.10008.1.2.4.101': 'MPEG2 Main Profile / High Level',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264 High Profile',
  '1.2.840.10008.1.2.4.103': 'MPEG-4 AVC/H.264 BD-compatible High Profile',
  '1.2.840.10008.1.2.4.104': 'MPEG-4 AVC/H.264 High Profile For 2D Video',
  '1.2.840.10008.1.2.4.105': 'MPEG-4 AVC/H.264 High Profile For 3D Video',
  '1.2.840.10008.1.2.4.106': 'MPEG-4 AVC/H.264 Stereo High Profile',
  '1.2.840.10008.1.2.4.107': 'HEVC/H.265 Main Profile',
  '1.2.840.10008.1.2.4.108': 'HEVC/H.265 Main 10 Profile',
  '1.2.840.10008.1.2.4.92': 'JPEG 2000 Part 2 Multi-component (Lossless Only)',
  '1.2.840.10008.1.2.4.93': 'JPEG 2000 Part 2 Multi-component',
  '1.2.840.10008.1.2.4.94': 'JPIP Referenced',
  '1.2.840.10008.1.2.4.95': 'JPIP Referenced Deflate',
  '1.2.840.10008.1.2.4.201': 'High-Throughput JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.202': 'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)',
  '1.2.840.10008.1.2.4.203': 'High-Throughput JPEG 2000',
  '1.2.840.10008.1.2.6.1': 'RFC 2557 MIME encapsulation',
});

/** Shell commands that turn any of these into Explicit VR Little Endian, for error fixes. */
export const TRANSCODE_FIX =
  "Decompress it first, e.g. `gdcmconv --raw in.dcm out.dcm` (Debian package libgdcm-tools) or dcmtk's `dcmdjpeg`/`dcmdrle`, then read the result.";
