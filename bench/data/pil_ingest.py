"""The PIL baseline of `npm run bench:data`: the same work as a medpipe ingest (read each file once,
sha256 of its bytes, decode, convert to the channel count, resize to the target size with PIL's
bilinear filter, keep the pixels as bytes), over the same sorted file list, with P processes
(multiprocessing.Pool, files in chunks, as a Python user would write it). The time runs from
before the folder is listed to the last image decoded (medpipe's run lists the folder too).
    python3 pil_ingest.py <root> <height> <width> <channels> <processes>
Prints one JSON line: files, seconds, files_per_s, bytes (decoded pixels)."""
import hashlib, io, json, os, sys, time
from multiprocessing import Pool
from PIL import Image

EXT = ('.png', '.jpg', '.jpeg')


def work(args):
    files, h, w, mode = args
    total = 0
    for f in files:
        with open(f, 'rb') as fh:
            data = fh.read()
        hashlib.sha256(data).digest()
        im = Image.open(io.BytesIO(data)).convert(mode)
        if im.size != (w, h):
            im = im.resize((w, h), Image.BILINEAR)
        total += len(im.tobytes())
    return total


def main():
    root, h, w, channels, procs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    mode = 'L' if channels == 1 else 'RGB'
    # The clock starts before the listing, as medpipe's does (its ingest lists the folder too).
    start = time.perf_counter()
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.lower().endswith(EXT))
    chunk = 64
    jobs = [(files[i:i + chunk], h, w, mode) for i in range(0, len(files), chunk)]
    if procs == 1:
        total = sum(work(j) for j in jobs)
    else:
        with Pool(procs) as pool:
            total = sum(pool.imap_unordered(work, jobs))
    seconds = time.perf_counter() - start
    print(json.dumps({'files': len(files), 'seconds': seconds, 'files_per_s': len(files) / seconds, 'bytes': total}))


if __name__ == '__main__':
    main()
