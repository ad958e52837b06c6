"""PIL's pixels for medpipe's decode test: for each file, Image.open → convert(mode) → resize((w, h),
BILINEAR) when the size differs, as raw bytes (base64). 16-bit grey stays 16-bit ('I;16').
    python3 pil_decode.py '[["file", "L", 14, 9], ...]'"""
import base64, json, sys
from PIL import Image

out = []
for path, mode, w, h in json.loads(sys.argv[1]):
    im = Image.open(path)
    if mode == 'I;16':
        im = im.convert('I;16') if im.mode != 'I;16' else im
    else:
        im = im.convert(mode)
    if w and h and im.size != (w, h):
        im = im.resize((w, h), Image.BILINEAR)
    out.append({'size': list(im.size), 'bytes': base64.b64encode(im.tobytes()).decode('ascii')})
print(json.dumps(out))
