#!/usr/bin/python3
"""Reference slices for tests/nifti-reference.test.ts, computed with nibabel (Debian python3-nibabel).

nibabel's get_fdata() applies scl_slope/scl_inter (and ignores them when the slope is 0 or not
finite). A slice s across voxel axis a is cut from the (i, j, k, t) array and transposed so that
rows are the higher remaining axis: axis 2 -> data[:, :, s, t].T (rows j, columns i), axis 1 ->
data[:, s, :, t].T (rows k, columns i), axis 0 -> data[s, :, :, t].T (rows k, columns j).

Output (stdout): JSON keyed by case name; per slice: shape, sha256 of float32 little-endian values,
min/max/mean and a base64 float32 sample of every `stride`-th value.

Run: /usr/bin/python3 tests/reference/nifti_reference.py > tests/reference/nifti-reference.json
"""
import json
import os
import sys

import nibabel as nib
import numpy as np

from reference_summary import describe as summarize

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, '..', 'fixtures', 'nifti')
SAMPLE_VALUES = 256

# name -> (file, axis, slice selection as in NiftiReadOptions, volume selection)
CASES = {
    'anatomical-axial-all': ('anatomical.nii', 2, 'all', 'all'),
    'anatomical-sagittal-every5': ('anatomical.nii', 0, {'every': 5}, 'all'),
    'anatomical-coronal-10-13': ('anatomical.nii', 1, {'start': 10, 'end': 13}, 'all'),
    'functional-axial-4d': ('functional.nii', 2, 'all', 'all'),
    'functional-axial-volume7': ('functional.nii', 2, 'all', 7),
    'standard-gz-axial': ('standard.nii.gz', 2, 'all', 'all'),
    'standard-gz-sagittal': ('standard.nii.gz', 0, 'all', 'all'),
    'nifti2-gz-axial': ('example_nifti2.nii.gz', 2, 'all', 'all'),
    'ct-dcm2niix-axial': ('ct_small_dcm2niix.nii.gz', 2, 'all', 'all'),
}


def select(selection, count):
    if selection == 'all':
        return list(range(count))
    if 'every' in selection:
        return list(range(0, count, selection['every']))
    return list(range(selection['start'], selection['end']))


def cut(data, axis, s, t):
    vol = data[..., t]
    if axis == 2:
        return vol[:, :, s].T
    if axis == 1:
        return vol[:, s, :].T
    return vol[s, :, :].T


def describe(values):
    return summarize(values, SAMPLE_VALUES, [int(values.shape[0]), int(values.shape[1]), 1])


def main():
    out = {'generator': 'tests/reference/nifti_reference.py', 'nibabel': nib.__version__, 'numpy': np.__version__, 'cases': {}}
    for name, (file, axis, slices, volumes) in CASES.items():
        img = nib.load(os.path.join(FIXTURES, file))
        data = img.get_fdata(dtype=np.float64)
        while data.ndim < 4:
            data = data[..., np.newaxis]
        ts = list(range(data.shape[3])) if volumes == 'all' else [volumes]
        items = []
        for t in ts:
            for s in select(slices, data.shape[axis]):
                entry = describe(cut(data, axis, s, t))
                entry.update({'slice': s, 'volume': t})
                items.append(entry)
        out['cases'][name] = {'file': file, 'axis': axis, 'slices': slices, 'volumes': volumes, 'images': items}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
