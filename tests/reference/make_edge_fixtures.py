#!/usr/bin/python3
"""Writes tests/fixtures/dicom/edge/*.dcm: small files for the cases Debian's pydicom data lacks.

Each is written with pydicom 2.3 (and gdcmconv for RLE of 16-bit data where needed), from synthetic
pixel values, so the corpus suite (tests/dicom-corpus.test.ts) checks medpipe against pydicom and GDCM
on them like on every other file:
  palette_le.dcm            PALETTE COLOR, 8-bit indices, 256-entry 16-bit LUTs, Explicit VR LE
  palette_be.dcm            the same in Explicit VR Big Endian (LUT words big endian, as the standard says)
  palette_rle.dcm           the same indices RLE-compressed
  palette_segmented.dcm     16-bit indices (12 stored), segmented LUTs of 4096 entries: discrete,
                            linear and indirect segments
  mlut_signed_mono1.dcm     Modality LUT Sequence (descriptor first-mapped -512, SS), signed pixels, MONOCHROME1
  int32_signed.dcm          BitsAllocated 32, PixelRepresentation 1, rescale 0.5 / -100, 2 frames
  float32.dcm               Float Pixel Data (7FE0,0008), a parametric map-like image
  rtdose_gy.dcm       RT Dose, 32-bit unsigned, Dose Grid Scaling 1e-4, Dose Units RELATIVE

Run: /usr/bin/python3 tests/reference/make_edge_fixtures.py   (deterministic; rewrites the files)
"""
import os
import struct

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, RLELossless

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'fixtures', 'dicom', 'edge')
SC = '1.2.840.10008.5.1.4.1.1.7'
ROOT = '2.25.4242'


def base(n, rows, cols, modality='OT', sop=SC):
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop
    ds.file_meta.MediaStorageSOPInstanceUID = f'{ROOT}.{n}'
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = sop
    ds.SOPInstanceUID = f'{ROOT}.{n}'
    ds.StudyInstanceUID = f'{ROOT}.1'
    ds.SeriesInstanceUID = f'{ROOT}.1.{n}'
    ds.Modality = modality
    ds.PatientID = 'EDGE'
    ds.Rows = rows
    ds.Columns = cols
    ds.SamplesPerPixel = 1
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    return ds


def pixel_format(ds, photometric, allocated, stored, signed):
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = allocated
    ds.BitsStored = stored
    ds.HighBit = stored - 1
    ds.PixelRepresentation = 1 if signed else 0


def ramp(rows, cols, lo, hi):
    y, x = np.mgrid[0:rows, 0:cols]
    return (lo + (hi - lo) * ((x * 7 + y * 13) % (rows + cols)) / (rows + cols - 1)).round().astype(np.int64)


def palette_luts():
    i = np.arange(256)
    red = (i * 257).astype('<u2')
    green = ((255 - i) * 257).astype('<u2')
    blue = (((i * 3) % 256) * 256).astype('<u2')
    return red, green, blue


def palette(n, name, big_endian=False, rle=False):
    ds = base(n, 48, 64)
    pixel_format(ds, 'PALETTE COLOR', 8, 8, signed=False)
    for colour, lut in zip(('Red', 'Green', 'Blue'), palette_luts()):
        setattr(ds, f'{colour}PaletteColorLookupTableDescriptor', [256, 0, 16])
        data = lut.astype('>u2' if big_endian else '<u2').tobytes()
        setattr(ds, f'{colour}PaletteColorLookupTableData', data)
        ds[f'{colour}PaletteColorLookupTableData'].VR = 'OW'
    ds.PixelData = ramp(48, 64, 0, 255).astype(np.uint8).tobytes()
    if big_endian:
        ds.file_meta.TransferSyntaxUID = ExplicitVRBigEndian
        ds.is_little_endian = False
    if rle:
        ds.compress(RLELossless)
    ds.save_as(os.path.join(OUT, name), write_like_original=False)


def segmented_palette(n):
    ds = base(n, 32, 40)
    pixel_format(ds, 'PALETTE COLOR', 16, 12, signed=False)
    # 4096 entries: a discrete start, linear ramps, and an indirect copy of the first two segments.
    red = [0, 3, 0, 100, 200, 1, 1000, 60000, 1, 1000, 100, 2, 2, 0, 0, 1, 1090, 0]
    green = [0, 1, 65535, 1, 4095, 0]
    blue = [0, 2, 500, 600, 1, 2046, 30000, 1, 2048, 12345]
    for colour, words in zip(('Red', 'Green', 'Blue'), (red, green, blue)):
        setattr(ds, f'{colour}PaletteColorLookupTableDescriptor', [4096, 0, 16])
        setattr(ds, f'Segmented{colour}PaletteColorLookupTableData', struct.pack(f'<{len(words)}H', *words))
        ds[f'Segmented{colour}PaletteColorLookupTableData'].VR = 'OW'
    ds.PixelData = ramp(32, 40, 0, 4095).astype('<u2').tobytes()
    ds.save_as(os.path.join(OUT, 'palette_segmented.dcm'), write_like_original=False)


def modality_lut(n):
    ds = base(n, 40, 36, modality='CT')
    pixel_format(ds, 'MONOCHROME1', 16, 12, signed=True)
    item = Dataset()
    item.LUTDescriptor = [1024, -512, 16]
    item['LUTDescriptor'].VR = 'SS'
    item.ModalityLUTType = 'HU'
    item.LUTData = [int(v) for v in (np.arange(1024) * 3 + 50)]
    item['LUTData'].VR = 'US'
    ds.ModalityLUTSequence = Sequence([item])
    # Stored values from -700 (below the LUT: first entry) to 700 (above: last entry).
    ds.PixelData = ramp(40, 36, -700, 700).astype('<i2').tobytes()
    ds.save_as(os.path.join(OUT, 'mlut_signed_mono1.dcm'), write_like_original=False)


def int32_signed(n):
    ds = base(n, 12, 10)
    pixel_format(ds, 'MONOCHROME2', 32, 32, signed=True)
    ds.NumberOfFrames = 2
    ds.RescaleSlope = '0.5'
    ds.RescaleIntercept = '-100'
    frames = np.stack([ramp(12, 10, -2_000_000_000, 2_000_000_000), ramp(12, 10, -5, 5)])
    ds.PixelData = frames.astype('<i4').tobytes()
    ds.save_as(os.path.join(OUT, 'int32_signed.dcm'), write_like_original=False)


def float32(n):
    ds = base(n, 16, 20, modality='MR', sop='1.2.840.10008.5.1.4.1.1.30')
    ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.BitsAllocated = 32
    ds.FloatPixelData = (ramp(16, 20, -1000, 1000) / 7.0).astype('<f4').tobytes()
    ds.save_as(os.path.join(OUT, 'float32.dcm'), write_like_original=False)


def rtdose(n):
    ds = base(n, 8, 6, modality='RTDOSE', sop='1.2.840.10008.5.1.4.1.1.481.2')
    pixel_format(ds, 'MONOCHROME2', 32, 32, signed=False)
    ds.NumberOfFrames = 3
    ds.DoseUnits = 'GY'
    ds.DoseType = 'PHYSICAL'
    ds.DoseSummationType = 'PLAN'
    ds.DoseGridScaling = '1e-4'
    ds.GridFrameOffsetVector = [0, 2, 4]
    ds.FrameIncrementPointer = 0x3004000C
    ds.PixelData = np.stack([ramp(8, 6, 0, 4_000_000_000)] * 3).astype('<u4').tobytes()
    ds.save_as(os.path.join(OUT, 'rtdose_gy.dcm'), write_like_original=False)


def main():
    os.makedirs(OUT, exist_ok=True)
    palette(1, 'palette_le.dcm')
    palette(2, 'palette_be.dcm', big_endian=True)
    palette(3, 'palette_rle.dcm', rle=True)
    segmented_palette(4)
    modality_lut(5)
    int32_signed(6)
    float32(7)
    rtdose(8)


if __name__ == '__main__':
    main()
