// The sharp path of decodeBytes (PNG/JPEG when the codec addon is missing or MEDPIPE_NATIVE_CODEC=0; TIFF,
// WebP, GIF and BMP always) keeps grey as one channel and 16-bit as 16-bit, like the codec addon. Without
// an explicit colourspace sharp returns grey as 3-channel sRGB with 8-bit values, which this test caught.
// The addon is chosen once per process, so the sharp side runs in a child with MEDPIPE_NATIVE_CODEC=0.
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodePng, removeDir, tempDir } from '../../helpers/core.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SIXTEEN = [0, 1000, 40000, 65535, 257, 258, 12345, 65000];
const EIGHT = [0, 10, 20, 30, 40, 50, 60, 255];

interface Frame {
  readonly type: string;
  readonly shape: number[];
  readonly values: number[];
  readonly range: number[];
}

function decodeWith(codec: '0' | '1', files: readonly string[], channels?: 1 | 3): Frame[] {
  const script = `import { readFileSync } from 'node:fs';
import { decodeBytes } from ${JSON.stringify(path.join(ROOT, 'src/io/decode-bytes.ts'))};
const out = [];
for (const f of ${JSON.stringify(files)}) {
  const [frame] = await decodeBytes(new Uint8Array(readFileSync(f)), f, ${JSON.stringify(channels ? { channels } : {})});
  out.push({ type: frame.data.constructor.name, shape: frame.shape, values: Array.from(frame.data), range: frame.range });
}
console.log(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, MEDPIPE_NATIVE_CODEC: codec },
  });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Frame[];
}

test("16-bit and 8-bit grey PNG through sharp: one channel, the file's values and range, as the codec addon gives", async () => {
  const dir = await tempDir('decode-sharp');
  try {
    const files = [path.join(dir, 'g16.png'), path.join(dir, 'g8.png')];
    await writeFile(files[0]!, await encodePng(4, 2, 1, 16, SIXTEEN));
    await writeFile(files[1]!, await encodePng(4, 2, 1, 8, EIGHT));
    const [g16, g8] = decodeWith('0', files);
    assert.equal(g16, { type: 'Uint16Array', shape: [2, 4, 1], values: SIXTEEN, range: [0, 65535] });
    assert.equal(g8, { type: 'Uint8Array', shape: [2, 4, 1], values: EIGHT, range: [0, 255] });
    const [rgb16] = decodeWith('0', files, 3);
    assert.equal(rgb16!.values.slice(0, 6), [0, 0, 0, 1000, 1000, 1000], 'asked for 3 channels, grey is repeated');
    assert.equal(decodeWith('1', files), [g16, g8], 'the codec addon agrees');
  } finally {
    await removeDir(dir);
  }
});

test.run();
