#!/usr/bin/python3
"""Reference values for tests/dicom-corpus.test.ts: every file of a DICOM test corpus, decoded by pydicom
(first reference) and by GDCM (second reference, consulted where medpipe and pydicom disagree).

Corpus: Debian's python3-pydicom data folder (test_files/, charset_files/, palettes/, dicomdirtests/),
the project's own edge cases (tests/fixtures/dicom/edge, written by make_edge_fixtures.py), plus every
folder in $MEDPIPE_DICOM_CORPUS (':'-separated), e.g. a checkout of pydicom-data.

For each file the manifest says one of:
  decoded      pydicom decoded the pixels; `pydicom` names the float32 file with the expected values
  undecodable  pydicom has pixel data in front of it but cannot decode it; `reason` says why
  no-pixels    a DICOM object without (Float/Double Float) Pixel Data (SR, RT Plan, palettes, DICOMDIR…)
  not-dicom    pydicom cannot read it as DICOM at all (README, JSON, gzip…)
`gdcm` holds GDCM's own decode of the same file, or why it has none.

pydicom decodes with its own numpy and RLE handlers first and GDCM (python3-gdcm) for everything else,
the only plugins installed here. pydicom 2.3's GDCM handler hands back a buffer even when GDCM reported
a failure (JPEG2000-embedded-sequence-delimiter.dcm gives noise), so for files that go through GDCM the
GDCM decode itself must succeed, else the file counts as undecodable.

Expected values, written out from the standard (PS3.3 C.7.6.3, C.11.1, C.7.9, C.8.8.3), not from medpipe:
  grey:    stored = raw & (2^BitsStored - 1), sign-extended if PixelRepresentation == 1;
           value  = Modality LUT (pydicom's apply_modality_lut: LUT Sequence, else Rescale Slope/Intercept);
           RT Dose with Dose Grid Scaling: value *= DoseGridScaling;
           MONOCHROME1: value = (lo + hi) - value, lo/hi the extremes the Modality LUT can produce
           (for a LUT: its smallest and largest entry; for a rescale: the representable stored range
           mapped through it, times the dose scaling).
  float:   Float/Double Float Pixel Data as stored.
  colour:  RGB as is; YBR_FULL / YBR_FULL_422 through pydicom's convert_color_space; PALETTE COLOR
           through pydicom's apply_color_lut (segmented LUTs included); samples masked to BitsStored.
Each file's values are float32, little endian, frames x rows x cols x channels, in <out>/<n>.pydicom.f32
(and <n>.gdcm.f32). Every file is decoded in a forked child: GDCM crashes on some files (a segfault on
a 1-bit JPEG 2000), and that must cost one file, not the run.

Run: /usr/bin/python3 tests/reference/dicom_corpus.py OUT_DIR   (prints the manifest path)
"""
import json
import os
import signal
import sys
import tempfile
import traceback
import warnings

import numpy as np
import pydicom
import pydicom.data
from pydicom import config
from pydicom.pixel_data_handlers import gdcm_handler, numpy_handler, rle_handler
from pydicom.pixel_data_handlers.util import apply_color_lut, apply_modality_lut, convert_color_space

try:
    import gdcm
except ImportError:  # the caller checks for python3-gdcm before running this script
    gdcm = None

config.pixel_data_handlers = [numpy_handler, rle_handler, gdcm_handler]
warnings.simplefilter('ignore')

NATIVE = {'1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2.1.99'}
LOSSY = {'1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.81', '1.2.840.10008.1.2.4.91',
         '1.2.840.10008.1.2.4.203'}
PIXEL_TAGS = ('PixelData', 'FloatPixelData', 'DoubleFloatPixelData')
CHILD_SECONDS = 120


EDGE = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'dicom', 'edge'))


def corpus_roots():
    roots = [os.path.dirname(os.path.abspath(pydicom.data.__file__)), EDGE]
    extra = os.environ.get('MEDPIPE_DICOM_CORPUS', '')
    roots += [os.path.abspath(p) for p in extra.split(':') if p]
    return roots


def corpus_files(roots):
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(('.py', '.pyc')):
                    continue
                yield root, os.path.join(folder, name)


def syntax_of(ds):
    """The transfer syntax pydicom reads the file in; inferred from the encoding when the meta lacks it."""
    uid = getattr(getattr(ds, 'file_meta', None), 'TransferSyntaxUID', None)
    if uid:
        return str(uid), False
    if ds.is_little_endian is None:
        return None, True
    uid = '1.2.840.10008.1.2' if ds.is_implicit_VR else ('1.2.840.10008.1.2.1' if ds.is_little_endian else '1.2.840.10008.1.2.2')
    ds.file_meta = getattr(ds, 'file_meta', None) or pydicom.dataset.FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = uid
    return uid, True


def frames_first(arr, ds):
    """pixel_array as frames x rows x cols x channels."""
    n = int(getattr(ds, 'NumberOfFrames', 1) or 1)
    spp = int(getattr(ds, 'SamplesPerPixel', 1) or 1)
    if n == 1:
        arr = arr[np.newaxis, ...]
    if spp == 1 and arr.ndim == 3:
        arr = arr[..., np.newaxis]
    return arr


def grey_values(ds, raw):
    bits = int(ds.BitsStored)
    signed = int(ds.get('PixelRepresentation', 0)) == 1
    stored = raw.astype(np.int64) & ((1 << bits) - 1)
    if signed:
        stored = np.where(stored >= (1 << (bits - 1)), stored - (1 << bits), stored)
    lo, hi = ((-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1))
    if 'ModalityLUTSequence' in ds:
        lut = np.asarray(ds.ModalityLUTSequence[0].LUTData, dtype=np.float64)
        values = apply_modality_lut(stored, ds).astype(np.float64)
        lo, hi = float(lut.min()), float(lut.max())
    else:
        values = apply_modality_lut(stored, ds).astype(np.float64)
        slope = float(ds.get('RescaleSlope', 1) or 1)
        intercept = float(ds.get('RescaleIntercept', 0) or 0)
        lo, hi = sorted((lo * slope + intercept, hi * slope + intercept))
    scaling = ds.get('DoseGridScaling')
    if scaling is not None and str(ds.get('Modality', '')).strip() == 'RTDOSE':
        values = values * float(scaling)
        lo, hi = sorted((lo * float(scaling), hi * float(scaling)))
    if str(ds.PhotometricInterpretation).strip() == 'MONOCHROME1':
        values = (lo + hi) - values
    return values.astype(np.float32)


def colour_values(ds, raw):
    pi = str(ds.PhotometricInterpretation).strip()
    if pi == 'PALETTE COLOR':
        return apply_color_lut(raw, ds)[..., :3].astype(np.float32)
    if pi in ('YBR_FULL', 'YBR_FULL_422'):
        raw = convert_color_space(raw, 'YBR_FULL', 'RGB')
    mask = (1 << int(ds.BitsStored)) - 1
    return (raw.astype(np.int64) & mask).astype(np.float32)


def expected_values(ds, raw):
    """Applies the arithmetic above to decoded samples (frames x rows x cols x channels)."""
    if 'PixelData' not in ds:
        return raw.astype(np.float32)
    pi = str(ds.PhotometricInterpretation).strip()
    if int(ds.SamplesPerPixel) == 1 and pi != 'PALETTE COLOR':
        return grey_values(ds, raw)
    if pi == 'PALETTE COLOR':
        return colour_values(ds, raw[..., 0])
    return colour_values(ds, raw)


def gdcm_decodes(path, apply_palette=False):
    """GDCM's own decode to native samples, frames x rows x cols x channels; raises with GDCM's reason.
    With apply_palette, GDCM's ImageApplyLookupTable turns PALETTE COLOR into RGB (GDCM's own LUT code)."""
    reader = gdcm.ImageReader()
    reader.SetFileName(path)
    if not reader.Read():
        raise RuntimeError('GDCM cannot read the file')
    image = reader.GetImage()
    change = gdcm.ImageChangeTransferSyntax()
    change.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.ExplicitVRLittleEndian))
    change.SetInput(image)
    if not change.Change():
        raise RuntimeError('GDCM cannot decode the pixel data')
    out = change.GetOutput()
    if apply_palette and str(out.GetPhotometricInterpretation()).strip() == 'PALETTE COLOR':
        lut = gdcm.ImageApplyLookupTable()
        lut.SetInput(out)
        if not lut.Apply():
            raise RuntimeError('GDCM cannot apply the palette')
        out = lut.GetOutput()
    buffer = out.GetBuffer().encode('utf-8', 'surrogateescape')
    pf = out.GetPixelFormat()
    dims = [out.GetDimension(i) for i in range(out.GetNumberOfDimensions())]
    cols, rows = dims[0], dims[1]
    frames = dims[2] if len(dims) > 2 else 1
    spp = pf.GetSamplesPerPixel()
    bits = pf.GetBitsAllocated()
    if bits == 1:
        flat = np.unpackbits(np.frombuffer(buffer, np.uint8), bitorder='little')[: frames * rows * cols * spp]
    else:
        signed = pf.GetPixelRepresentation() == 1
        dtype = {8: 'i1' if signed else 'u1', 16: '<i2' if signed else '<u2', 32: '<i4' if signed else '<u4'}[bits]
        flat = np.frombuffer(buffer, dtype)[: frames * rows * cols * spp]
    if spp == 3 and out.GetPlanarConfiguration() == 1:
        arr = flat.reshape(frames, 3, rows, cols).transpose(0, 2, 3, 1)
    else:
        arr = flat.reshape(frames, rows, cols, spp)
    return arr, str(out.GetPhotometricInterpretation()).strip(), bits


def read_dataset(path):
    """pydicom's reading; a file without the DICM preamble counts only if it names an object (SOP Class or Modality)."""
    try:
        return pydicom.dcmread(path)
    except pydicom.errors.InvalidDicomError:
        ds = pydicom.dcmread(path, force=True)
        if 'SOPClassUID' not in ds and 'Modality' not in ds:
            raise
        return ds


def classify(path):
    """Reads the file without decoding pixels: (status, reason) for files that need no decoding, else None."""
    try:
        ds = read_dataset(path)
    except Exception as error:
        return 'not-dicom', f'pydicom: {type(error).__name__}: {first_line(error)}'
    if not any(tag in ds for tag in PIXEL_TAGS):
        return 'no-pixels', describe_object(ds)
    return None


def pydicom_child(path, out_file):
    ds = read_dataset(path)
    uid, inferred = syntax_of(ds)
    if uid is None:
        return {'status': 'undecodable', 'reason': 'no transfer syntax, and pydicom cannot tell the encoding'}
    info = {'transferSyntax': uid, 'syntaxInferred': inferred, 'lossy': uid in LOSSY, 'class': file_class(ds, uid)}
    header = read_dataset(path)  # pixel_array may rewrite attributes (GDCM: Pixel Representation), so keep the file's own
    try:
        arr = frames_first(ds.pixel_array, ds)
    except Exception as error:  # pydicom's own words are the reason
        return {'status': 'undecodable', 'reason': f'pydicom: {type(error).__name__}: {first_line(error)}', **info}
    if uid not in NATIVE and uid != '1.2.840.10008.1.2.5' and 'PixelData' in ds:
        try:
            gdcm_decodes(path)  # only whether GDCM succeeds matters here
        except Exception as error:
            return {'status': 'undecodable', 'reason': f'pydicom decodes this syntax only through GDCM, and {error} '
                    '(pydicom 2.3 then returns an unfilled buffer)', **info}
    if 'PixelData' in header:
        header.PhotometricInterpretation = ds.PhotometricInterpretation  # pydicom's decoders may convert colour
    syntax_of(header)
    values = expected_values(header, arr)
    values.astype('<f4').tofile(out_file)
    return {'status': 'decoded', 'shape': list(values.shape), **info}


def gdcm_child(path, out_file):
    ds = read_dataset(path)
    syntax_of(ds)
    palette = 'PixelData' in ds and str(ds.PhotometricInterpretation).strip() == 'PALETTE COLOR'
    arr, photometric, bits = gdcm_decodes(path, apply_palette=palette)
    if palette or arr.shape[-1] == 3:
        if photometric in ('YBR_FULL', 'YBR_FULL_422'):
            arr = convert_color_space(arr, 'YBR_FULL', 'RGB')
        values = arr.astype(np.float32) if palette else (arr.astype(np.int64) & ((1 << int(ds.BitsStored)) - 1)).astype(np.float32)
    else:
        values = grey_values(ds, arr)
    values.astype('<f4').tofile(out_file)
    # GDCM's ImageApplyLookupTable keeps the high byte of 16-bit palette entries (8-bit RGB out).
    return {'status': 'decoded', 'shape': list(values.shape), 'photometric': photometric, 'bits': bits}


def describe_object(ds):
    modality = str(ds.get('Modality', '') or '').strip()
    sop = str(ds.get('SOPClassUID', '') or '')
    name = getattr(ds.get('SOPClassUID'), 'name', '') if sop else ''
    if 'DirectoryRecordSequence' in ds:
        return 'no Pixel Data: a DICOMDIR'
    return f"no Pixel Data ({', '.join(x for x in (modality, name or sop) if x) or 'no SOP class'})"


def file_class(ds, uid):
    """A short label for the per-class counts: encoding, bit depth, photometric."""
    encoding = pydicom.uid.UID(uid).name if uid else '?'
    if 'PixelData' not in ds:
        return f"{encoding}, {'Float' if 'FloatPixelData' in ds else 'Double Float'} Pixel Data"
    extra = ', Modality LUT Sequence' if 'ModalityLUTSequence' in ds else ''
    extra += ', RT Dose' if str(ds.get('Modality', '')).strip() == 'RTDOSE' else ''
    return f"{encoding}, {ds.get('BitsAllocated')}-bit, {str(ds.get('PhotometricInterpretation', '?')).strip()}{extra}"


def first_line(error):
    return (str(error).strip().splitlines() or [''])[0][:200]


def in_child(work, path, out_file):
    """Runs work(path, out_file) in a forked process; a crash, a hang or an exception becomes a reason."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)  # GDCM prints warnings for many files; the manifest carries what matters
        signal.alarm(CHILD_SECONDS)
        try:
            result = work(path, out_file)
        except Exception as error:
            result = {'status': 'error', 'reason': f'{type(error).__name__}: {first_line(error)}'}
        except BaseException:
            result = {'status': 'error', 'reason': traceback.format_exc(limit=1)}
        os.write(write_fd, json.dumps(result).encode())
        os._exit(0)
    os.close(write_fd)
    chunks = []
    while True:
        chunk = os.read(read_fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return {'status': 'error', 'reason': f'crashed with signal {os.WTERMSIG(status)}'}
    return json.loads(b''.join(chunks) or b'{"status": "error", "reason": "no result"}')


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix='dicom-corpus-')
    os.makedirs(out, exist_ok=True)
    roots = corpus_roots()
    manifest = {
        'generator': 'tests/reference/dicom_corpus.py',
        'pydicom': pydicom.__version__,
        'numpy': np.__version__,
        'gdcm': gdcm.Version.GetVersion() if gdcm else None,
        'roots': roots,
        'files': [],
    }
    for n, (root, path) in enumerate(corpus_files(roots)):
        name = os.path.relpath(path, root) if root == roots[0] else os.path.join(os.path.basename(root), os.path.relpath(path, root))
        entry = {'path': path, 'name': name, 'debian': root == roots[0]}
        reference = os.path.join(out, f'{n}.pydicom.f32')
        plain = classify(path)
        if plain:
            entry.update(status=plain[0], reason=plain[1])
            manifest['files'].append(entry)
            continue
        result = in_child(pydicom_child, path, reference)
        if result['status'] == 'error':
            result = {'status': 'undecodable', 'reason': f"pydicom's decoder failed: {result['reason']}"}
        entry.update(result)
        if result['status'] == 'decoded':
            entry['pydicom'] = os.path.basename(reference)
        if result['status'] in ('decoded', 'undecodable') and gdcm is not None:
            second = os.path.join(out, f'{n}.gdcm.f32')
            g = in_child(gdcm_child, path, second)
            entry['gdcm'] = {**g, 'file': os.path.basename(second)} if g['status'] == 'decoded' else g
        manifest['files'].append(entry)
    target = os.path.join(out, 'manifest.json')
    with open(target, 'w') as handle:
        json.dump(manifest, handle, indent=1)
    print(target)


if __name__ == '__main__':
    main()
