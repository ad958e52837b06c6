#!/usr/bin/python3
"""Reference values for tests/dicom-reference.test.ts, computed with toolkits independent of medpipe.

Decoding: GDCM (`gdcmconv --raw`, Debian libgdcm-tools) turns every compressed fixture except RLE into
Explicit VR Little Endian (RLE: pydicom's own numpy decoder, see PYDICOM_DECODES); pydicom (python3-pydicom) reads the result and its numpy handler unpacks the samples
(endianness, planar configuration, YBR_FULL_422 upsampling, deflate). The value arithmetic is written
out below from the standard, not from medpipe:
  grey:   stored = raw & (2^BitsStored - 1), sign-extended if PixelRepresentation == 1;
          MONOCHROME1: stored = (min + max) - stored over the representable stored range;
          value = float64(stored) * RescaleSlope + RescaleIntercept (RT Dose: times DoseGridScaling), then float32.
  colour: pydicom.pixel_data_handlers.util.convert_color_space(YBR_FULL -> RGB) when the decoded
          data are YBR; RGB as is.

Output (stdout): JSON, one entry per fixture and frame: shape, sha256 of the float32 little-endian
values, min/max/mean, and `sample`: base64 float32 of every `stride`-th value (for tolerant checks
of lossy codecs, where libjpeg-turbo and GDCM's libjpeg may differ by one grey level).

Run: /usr/bin/python3 tests/reference/dicom_reference.py > tests/reference/dicom-reference.json
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

from reference_summary import describe as summarize
import pydicom
from pydicom.pixel_data_handlers.util import convert_color_space

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, '..', 'fixtures', 'dicom')
NATIVE = {'1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2.1.99'}
# pydicom decodes RLE itself (numpy only). GDCM 3.0.21's gdcmconv swaps the byte segments of 16-bit
# colour RLE (SC_rgb_rle_16bit.dcm: first pixel 0/65280/255, where pydicom gives 65535/0/0, the red
# that the 8-bit SC_rgb_rle_2frame.dcm starts with too), so GDCM is not used as the RLE reference.
PYDICOM_DECODES = {'1.2.840.10008.1.2.5'}
SAMPLE_VALUES = 1024

FILES = [
    'CT_small.dcm', 'MR_small.dcm', 'MR_small_implicit.dcm', 'MR_small_bigendian.dcm', 'image_dfl.dcm',
    'MR_small_RLE.dcm', 'SC_rgb_rle_2frame.dcm', 'SC_rgb_rle_16bit.dcm', 'SC_rgb_jpeg_dcmtk.dcm',
    'SC_rgb_dcmtk_+eb+cy+np.dcm', 'SC_jpeg_no_color_transform.dcm', 'SC_rgb_jpeg_gdcm.dcm',
    'CT_small_jpeg_lossless_sv1.dcm', 'MR_small_jpeg_ls_lossless.dcm', 'MR_small_jp2klossless.dcm',
    '693_J2KI.dcm', 'GDCMJ2K_TextGBR.dcm', 'SC_ybr_full_422_uncompressed.dcm', 'ExplVR_BigEnd.dcm',
    'rtdose.dcm', 'liver_1frame.dcm', 'CR_monochrome1.dcm', 'JPGExtended.dcm',
]


def decoded_dataset(path):
    ds = pydicom.dcmread(path, force=True)
    ts = str(getattr(ds, 'file_meta', {}).get('TransferSyntaxUID', '1.2.840.10008.1.2.1'))
    if ts in NATIVE or ts in PYDICOM_DECODES:
        if not hasattr(ds.file_meta, 'TransferSyntaxUID'):
            ds.file_meta.TransferSyntaxUID = '1.2.840.10008.1.2.1'
        return ds, ts
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'raw.dcm')
        subprocess.run(['gdcmconv', '--raw', path, out], check=True)
        return pydicom.dcmread(out), ts


def frames_of(ds):
    arr = ds.pixel_array
    n = int(getattr(ds, 'NumberOfFrames', 1) or 1)
    spp = int(ds.SamplesPerPixel)
    if n == 1:
        arr = arr[np.newaxis, ...]
    if spp == 1:
        arr = arr[..., np.newaxis]
    return arr


def grey_values(ds, frame):
    bits = int(ds.BitsStored)
    signed = int(ds.PixelRepresentation) == 1
    raw = frame.astype(np.int64) & ((1 << bits) - 1)
    if signed:
        raw = np.where(raw >= (1 << (bits - 1)), raw - (1 << bits), raw)
    if str(ds.PhotometricInterpretation).strip() == 'MONOCHROME1':
        lo, hi = ((-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1))
        raw = (lo + hi) - raw
    slope = float(ds.get('RescaleSlope', 1) or 1)
    intercept = float(ds.get('RescaleIntercept', 0) or 0)
    values = raw.astype(np.float64) * slope + intercept
    if str(ds.get('Modality', '')).strip() == 'RTDOSE' and 'DoseGridScaling' in ds:
        values = values * float(ds.DoseGridScaling)
    return values.astype(np.float32)


def colour_values(ds, frame):
    pi = str(ds.PhotometricInterpretation).strip()
    if pi.startswith('YBR_FULL'):
        # pydicom's numpy handler has already upsampled YBR_FULL_422 to one triple per pixel.
        frame = convert_color_space(frame, 'YBR_FULL', 'RGB')
    mask = (1 << int(ds.BitsStored)) - 1
    return (frame.astype(np.int64) & mask).astype(np.float32)


def describe(values):
    return summarize(values, SAMPLE_VALUES)


def main():
    result = {
        'generator': 'tests/reference/dicom_reference.py',
        'pydicom': pydicom.__version__,
        'numpy': np.__version__,
        'gdcmconv': subprocess.run(['gdcmconv', '--version'], capture_output=True, text=True).stdout.strip(),
        'files': {},
    }
    for name in FILES:
        ds, ts = decoded_dataset(os.path.join(FIXTURES, name))
        spp = int(ds.SamplesPerPixel)
        frames = []
        for frame in frames_of(ds):
            values = grey_values(ds, frame) if spp == 1 else colour_values(ds, frame)
            frames.append(describe(values))
        result['files'][name] = {'transferSyntax': ts, 'frames': frames}
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
