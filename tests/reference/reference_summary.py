"""The summary both reference scripts write for one decoded image (compared by tests/reference/dicom-nifti-check.ts)."""
import base64
import hashlib

import numpy as np


def describe(values, sample_values, shape=None):
    """Shape, SHA-256 of the float32 values, min/max/mean and every n-th value (about sample_values of them)."""
    flat = values.astype('<f4').ravel()
    stride = max(1, -(-flat.size // sample_values))
    return {
        'shape': list(values.shape) if shape is None else shape,
        'sha256': hashlib.sha256(flat.tobytes()).hexdigest(),
        'min': float(flat.min()),
        'max': float(flat.max()),
        'mean': float(flat.astype(np.float64).mean()),
        'stride': stride,
        'sample': base64.b64encode(flat[::stride].tobytes()).decode('ascii'),
    }
