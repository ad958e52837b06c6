"""The PyTorch side of the loader bench: a Dataset over the very records medpipe's loader reads
(shard file, offset, length, CRC-32, from loader-child.ts --records), doing the same work per image:
read the bytes, check the CRC, uint8 → float32, (x - mean) / std, and with --augment one random
affine transform (rotation ±10°, translation ±10%, zoom 0.9-1.1; bilinear, edge padding) through
torch's affine_grid / grid_sample; a DataLoader with W worker processes collates batches.
    python3 torch_loader.py records.json <workers> <batch> [--augment]
Prints one JSON line: images, seconds (first batch not timed), images_per_s."""
import json, math, random, sys, time, zlib
import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class Records(Dataset):
    def __init__(self, spec, augment):
        self.rows, self.mean, self.std, self.augment = spec['rows'], spec['mean'], spec['std'], augment
        self.files = {}

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        path, offset, length, crc = self.rows[i]
        f = self.files.get(path)
        if f is None:
            f = self.files[path] = open(path, 'rb')
        f.seek(offset)
        data = f.read(length)
        if zlib.crc32(data) != crc:
            raise IOError(f'{path}: CRC mismatch at {offset}')
        x = torch.from_numpy(np.frombuffer(data, dtype=np.uint8).astype(np.float32)).view(1, 1, 224, 224)
        x = (x - self.mean) / self.std
        if self.augment:
            a = math.radians(random.uniform(-10, 10))
            s = random.uniform(0.9, 1.1)
            tx, ty = random.uniform(-0.1, 0.1) * 2, random.uniform(-0.1, 0.1) * 2
            theta = torch.tensor([[[math.cos(a) / s, -math.sin(a) / s, tx], [math.sin(a) / s, math.cos(a) / s, ty]]], dtype=torch.float32)
            grid = F.affine_grid(theta, (1, 1, 224, 224), align_corners=False)
            x = F.grid_sample(x, grid, mode='bilinear', padding_mode='border', align_corners=False)
        return x.view(224, 224, 1)


def main():
    spec = json.load(open(sys.argv[1]))
    workers, batch, augment = int(sys.argv[2]), int(sys.argv[3]), '--augment' in sys.argv
    torch.set_num_threads(1)
    loader = DataLoader(Records(spec, augment), batch_size=batch, num_workers=workers, shuffle=False)
    images, start = 0, None
    for x in loader:
        if start is None:
            start = time.perf_counter()
        else:
            images += x.shape[0]
    seconds = time.perf_counter() - start
    print(json.dumps({'images': images, 'seconds': seconds, 'images_per_s': images / seconds}))


if __name__ == '__main__':
    main()
