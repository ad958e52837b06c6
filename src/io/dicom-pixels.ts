/**
 * From raw DICOM samples to real numbers: the arithmetic of PS3.3 C.7.6.3 (Image Pixel module),
 * C.11.1 (Modality LUT) and C.8.8.3 (RT Dose), kept apart from parsing so it can be read against the standard.
 */
import { lookup, type Lut, type Palette } from './dicom-lut.ts';

/** The Image Pixel attributes that decide how samples become values. */
export interface PixelModule {
  readonly rows: number;
  readonly cols: number;
  readonly samplesPerPixel: number;
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  /** 0 unsigned, 1 two's complement. */
  readonly pixelRepresentation: number;
  readonly photometric: string;
  /** 0 interleaved (RGBRGB…), 1 planar (RR…GG…BB…). */
  readonly planarConfiguration: number;
  readonly slope: number;
  readonly intercept: number;
  /** Modality LUT Sequence: used instead of slope and intercept when present. */
  readonly modalityLut?: Lut;
  /** RT Dose Grid Scaling: the modality value times this is the dose in the file's Dose Units. */
  readonly doseScaling?: number;
  /** PALETTE COLOR: the red, green and blue LUTs that turn each stored index into RGB. */
  readonly palette?: Palette;
  /** Float (32) or Double Float (64) Pixel Data, taken as stored. */
  readonly floatBits?: 32 | 64;
}

/**
 * How a codec handed back its samples, when that is not simply the DICOM header's encoding:
 * `precision` bits, two's complement when `signed` (JPEG 2000 Ssiz), else unsigned.
 */
export interface Coding {
  readonly precision: number;
  readonly signed: boolean;
}

/** Representable stored-value range for BitsStored and PixelRepresentation. */
export function storedRange(px: PixelModule): [number, number] {
  const bits = px.bitsStored;
  return px.pixelRepresentation === 1 && px.samplesPerPixel === 1 ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
}

/** Output channels: 1 for grey, 3 for colour and for palette images (RGB). */
export function outputChannels(px: PixelModule): 1 | 3 {
  return px.samplesPerPixel === 1 && !px.palette ? 1 : 3;
}

/**
 * The output value range, lowest first: the stored range through the Modality LUT (the LUT's
 * smallest and largest entry, or the rescale, whose negative slope flips it) and the dose scaling;
 * for palette images the LUT entries' bit range.
 */
export function valueRange(px: PixelModule): [number, number] {
  if (px.palette) return [0, 2 ** px.palette.red.bits - 1];
  if (px.samplesPerPixel !== 1) return storedRange(px);
  const [lo, hi] = storedRange(px);
  let a = px.modalityLut ? px.modalityLut.min : lo * px.slope + px.intercept;
  let b = px.modalityLut ? px.modalityLut.max : hi * px.slope + px.intercept;
  if (px.doseScaling !== undefined) {
    a *= px.doseScaling;
    b *= px.doseScaling;
  }
  return a <= b ? [a, b] : [b, a];
}

/**
 * Reads one frame of native (uncompressed) pixel data into integer samples (interleaved or planar
 * as stored). `bitOffset` is where the frame starts inside the element, in bits, because 1-bit
 * frames (segmentations) need not start on a byte boundary.
 */
export function unpackNative(
  bytes: Uint8Array,
  bitOffset: number,
  count: number,
  bitsAllocated: number,
  littleEndian: boolean,
  swapOwBytes: boolean,
): Float64Array {
  const out = new Float64Array(count);
  if (bitsAllocated === 1) {
    // PS3.5 8.1.1: the first pixel is the least significant bit of the first byte.
    for (let i = 0; i < count; i++) {
      const bit = bitOffset + i;
      out[i] = (bytes[bit >> 3] >> (bit & 7)) & 1;
    }
    return out;
  }
  const start = bitOffset / 8;
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, bytes.byteLength - start);
  switch (bitsAllocated) {
    case 8:
      // OW in big endian is byte-swapped per 16-bit word, even when it holds 8-bit samples.
      for (let i = 0; i < count; i++) out[i] = view.getUint8(swapOwBytes ? i ^ 1 : i);
      break;
    case 16:
      for (let i = 0; i < count; i++) out[i] = view.getUint16(2 * i, littleEndian);
      break;
    case 32:
      for (let i = 0; i < count; i++) out[i] = view.getUint32(4 * i, littleEndian);
      break;
    default:
      throw new RangeError(`BitsAllocated ${bitsAllocated}`);
  }
  return out;
}

/**
 * YBR_FULL_422 as stored natively (PS3.3 C.7.6.3.1.2): each pair of pixels on a row is
 * Y1 Y2 Cb Cr. Expanded to one Y Cb Cr triple per pixel, interleaved.
 */
export function expandYbr422(raw: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const pixels = rows * cols;
  const out = new Float64Array(pixels * 3);
  for (let p = 0; p < pixels; p += 2) {
    const i = 2 * p; // four stored values per two pixels
    const cb = raw[i + 2];
    const cr = raw[i + 3];
    out[3 * p] = raw[i];
    out[3 * p + 1] = cb;
    out[3 * p + 2] = cr;
    if (p + 1 < pixels) {
      out[3 * p + 3] = raw[i + 1];
      out[3 * p + 4] = cb;
      out[3 * p + 5] = cr;
    }
  }
  return out;
}

/**
 * Converts raw samples to output values, channels-last.
 * - Stored value: native samples are masked to BitsStored and sign-extended when PixelRepresentation
 *   is 1. Codec output follows the codestream (`coding`): signed samples are taken as they are (a
 *   lossy overshoot clamped to the stored range); unsigned ones with fewer bits than BitsStored in a
 *   signed image carry their sign in bit precision − 1 (JPEG-LS has no signed mode, and encoders
 *   store two's complement in P bits), otherwise they are masked like native samples.
 * - Grey: MONOCHROME1 inverted as `(min + max) − stored` over the representable stored range, then
 *   `× slope + intercept` (inverting before the rescale equals `(rmin + rmax) − v` after it and keeps
 *   higher = brighter); with a Modality LUT Sequence the LUT entry instead, inverted over the LUT's
 *   range; RT Dose values times Dose Grid Scaling.
 * - Palette: each stored index through the red, green and blue LUTs.
 * - Colour: each sample masked to BitsStored; YBR_FULL turned into RGB unless the codec already did.
 *   The modality rescale does not apply to colour images (it is a grey-level Modality LUT).
 */
export function toValues(raw: ArrayLike<number>, planar: boolean, convertedToRgb: boolean, px: PixelModule, coding?: Coding): Float32Array {
  const pixels = px.rows * px.cols;
  const stored = storedReader(px, coding);
  if (px.palette) {
    const { red, green, blue } = px.palette;
    const out = new Float32Array(pixels * 3);
    for (let i = 0; i < pixels; i++) {
      const s = stored(raw[i]);
      out[3 * i] = lookup(red, s);
      out[3 * i + 1] = lookup(green, s);
      out[3 * i + 2] = lookup(blue, s);
    }
    return out;
  }
  if (px.samplesPerPixel === 1) {
    const out = new Float32Array(pixels);
    const invert = px.photometric === 'MONOCHROME1';
    const [lo, hi] = storedRange(px);
    const lut = px.modalityLut;
    const dose = px.doseScaling ?? 1;
    for (let i = 0; i < pixels; i++) {
      const s = stored(raw[i]);
      let v: number;
      if (lut) {
        v = lookup(lut, s);
        if (invert) v = lut.min + lut.max - v;
      } else {
        v = (invert ? lo + hi - s : s) * px.slope + px.intercept;
      }
      out[i] = px.doseScaling === undefined ? v : v * dose;
    }
    return out;
  }
  const modulus = 2 ** px.bitsStored;
  const out = new Float32Array(pixels * 3);
  const ybr = !convertedToRgb && px.photometric.startsWith('YBR_FULL');
  const maxValue = modulus - 1;
  const mid = modulus / 2; // 128 for 8-bit chroma
  for (let p = 0; p < pixels; p++) {
    const a = pick(raw, p, 0, pixels, planar, modulus);
    const b = pick(raw, p, 1, pixels, planar, modulus);
    const c = pick(raw, p, 2, pixels, planar, modulus);
    if (ybr) {
      // PS3.3 C.7.6.3.1.2 YBR_FULL, inverted; coefficients are the standard's (ITU-R BT.601 full range).
      const cb = b - mid;
      const cr = c - mid;
      out[3 * p] = clampRound(a + 1.402 * cr, maxValue);
      out[3 * p + 1] = clampRound(a - ((0.114 * 1.772) / 0.587) * cb - ((0.299 * 1.402) / 0.587) * cr, maxValue);
      out[3 * p + 2] = clampRound(a + 1.772 * cb, maxValue);
    } else {
      out[3 * p] = a;
      out[3 * p + 1] = b;
      out[3 * p + 2] = c;
    }
  }
  return out;
}

/** Raw sample → stored value, per the rules in toValues. */
function storedReader(px: PixelModule, coding: Coding | undefined): (raw: number) => number {
  const [lo, hi] = storedRange(px);
  const signed = px.pixelRepresentation === 1;
  if (coding?.signed) return (raw) => (raw < lo ? lo : raw > hi ? hi : raw);
  const bits = coding && signed && coding.precision < px.bitsStored ? coding.precision : px.bitsStored;
  const modulus = 2 ** bits;
  const half = modulus / 2;
  return (raw) => {
    // Modulo rather than `&` so 32-bit samples and negative codec output both land in [0, 2^bits).
    let s = ((raw % modulus) + modulus) % modulus;
    if (signed && s >= half) s -= modulus;
    return s;
  };
}

function pick(raw: ArrayLike<number>, pixel: number, sample: number, pixels: number, planar: boolean, modulus: number): number {
  const v = planar ? raw[sample * pixels + pixel] : raw[3 * pixel + sample];
  return ((v % modulus) + modulus) % modulus;
}

function clampRound(v: number, max: number): number {
  const r = Math.floor(v + 0.5);
  return r < 0 ? 0 : r > max ? max : r;
}
