/**
 * A CudaDevice in plain JavaScript: device memory is a map of ArrayBuffers and every op is a direct loop with
 * the formula of native/cuda/src/kernels.cu (convolutions and products as textbook sums). It lets the cuda
 * backend's TypeScript — residency, uploads, strides, broadcasting, fallbacks, fused Adam, dropout — run and
 * be compared with tfjs' CPU backend on a machine without a GPU. It says nothing about the CUDA code itself:
 * bench/gpu/run.sh checks that on a GPU.
 */
import { dropoutOnHost } from '../../src/backend/cuda/dropout.ts';
import type { CudaDevice, DeviceMemory, Ptr } from '../../src/backend/cuda/device.ts';

type Unary = (x: number, a: number, b: number) => number;
const UNARY: Unary[] = [
  (x) => (x < 0 ? 0 : x),
  (x) => Math.min(Math.max(x, 0), 6),
  (x, a) => (Number.isNaN(x) ? x : x > 0 ? 1 : a),
  (x) => 1 / (1 + Math.exp(-x)),
  Math.tanh,
  (x) => x * x,
  Math.sqrt,
  (x) => 1 / Math.sqrt(x),
  Math.exp,
  Math.log,
  Math.log1p,
  (x) => -x,
  Math.abs,
  (x) => (x >= 0 ? x : Math.exp(x) - 1),
  (x, a) => (x < 0 ? a * x : x),
  (x) => 1 / x,
  Math.floor,
  Math.ceil,
  roundHalfEven,
  (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  (x) => (x > 20 ? x : x < -20 ? Math.exp(x) : Math.log1p(Math.exp(x))),
  Math.expm1,
  (x, a, b) => Math.min(Math.max(x, a), b),
  Math.sin,
  Math.cos,
  erf,
  (x) => (x >= 0 ? 1.0507009873554805 * x : 1.7580993408473768 * (Math.exp(x) - 1)),
  (x) => x,
];

const BINARY: ((a: number, b: number) => number)[] = [
  (a, b) => a + b,
  (a, b) => a - b,
  (a, b) => a * b,
  (a, b) => a / b,
  (a, b) => (Number.isNaN(a) || a > b ? a : b),
  (a, b) => (Number.isNaN(a) || a < b ? a : b),
  (a, b) => (a - b) * (a - b),
  Math.pow,
  (dy, x) => (x > 0 ? dy : 0),
  (dy, y) => (y < 0 ? dy * (y + 1) : dy),
  (x, alpha) => (x < 0 ? alpha * x : x),
  (a, b) => (b === 0 ? 0 : a / b),
  (a, b) => Math.floor(a / b),
];

const COMPARE: ((a: number, b: number) => boolean)[] = [
  (a, b) => a === b,
  (a, b) => a !== b,
  (a, b) => a < b,
  (a, b) => a <= b,
  (a, b) => a > b,
  (a, b) => a >= b,
];

function roundHalfEven(x: number): number {
  const f = Math.floor(x),
    d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26 is too coarse for a 1e-4 check; a series/continued fraction split is exact enough.
  const t = Math.abs(x);
  if (t < 2.5) {
    let sum = 0,
      term = t;
    for (let n = 0; n < 60; n++) {
      sum += term / (2 * n + 1);
      term *= (-t * t) / (n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let cf = 0;
  for (let n = 60; n >= 1; n--) cf = n / 2 / (t + cf);
  return Math.sign(x) * (1 - Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + cf));
}

function count(dims: number[]): number {
  return dims.reduce((a, d) => a * d, 1);
}

/** Offsets of flat index i under per-dim strides (row-major iteration over dims). */
function offset(i: number, dims: number[], strides: number[], mods?: number[]): number {
  let off = 0;
  for (let d = dims.length - 1; d >= 0; d--) {
    const k = i % dims[d];
    i = Math.floor(i / dims[d]);
    off += (mods ? k % mods[d] : k) * strides[d];
  }
  return off;
}

export class MockDevice implements CudaDevice {
  private readonly buffers = new Map<Ptr, ArrayBuffer>();
  private next = 0x10000;
  calls = 0;
  peak = 0;
  private bytes = 0;

  private buf(p: Ptr): ArrayBuffer {
    const b = this.buffers.get(p);
    if (!b) throw new Error(`mock device: ${p} is not a live buffer`);
    return b;
  }
  private f32(p: Ptr): Float32Array {
    return new Float32Array(this.buf(p));
  }
  private u8(p: Ptr): Uint8Array {
    return new Uint8Array(this.buf(p));
  }
  private view(p: Ptr, dtype: number): Float32Array | Int32Array | Uint8Array {
    return dtype === 0 ? this.f32(p) : dtype === 1 ? new Int32Array(this.buf(p)) : this.u8(p);
  }

  info() {
    return { device: 'mock', computeCapability: '0.0', multiprocessors: 0, memoryMiB: 0, driver: '-', runtime: '-', libraries: 'none' };
  }
  alloc(bytes: number): Ptr {
    const p = this.next;
    this.next += Math.ceil(Math.max(bytes, 1) / 512) * 512 + 512;
    // Fresh device memory is garbage: a kernel that forgets to write shows up as NaN.
    const b = new ArrayBuffer(Math.ceil(Math.max(bytes, 1) / 4) * 4);
    new Uint32Array(b).fill(0x7fc00000);
    this.buffers.set(p, b);
    this.bytes += b.byteLength;
    this.peak = Math.max(this.peak, this.bytes);
    return p;
  }
  free(p: Ptr): void {
    this.bytes -= this.buf(p).byteLength;
    this.buffers.delete(p);
  }
  upload(p: Ptr, src: ArrayBufferView): void {
    new Uint8Array(this.buf(p)).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
  }
  download(p: Ptr, dst: ArrayBufferView): void {
    new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength).set(new Uint8Array(this.buf(p), 0, dst.byteLength));
  }
  async downloadAsync(p: Ptr, bytes: number): Promise<ArrayBuffer> {
    return this.buf(p).slice(0, bytes);
  }
  sync(): void {}
  memory(): DeviceMemory {
    return { inUse: this.bytes, cached: 0, peak: this.peak, pinned: 0 };
  }
  releaseCached(): void {}
  /** Live buffers (a leak check for tests). */
  liveBuffers(): number {
    return this.buffers.size;
  }

  unary(op: number, x: Ptr, y: Ptr, n: number, alpha: number, beta: number): void {
    this.calls++;
    const xs = this.f32(x),
      ys = this.f32(y),
      f = UNARY[op];
    for (let i = 0; i < n; i++) ys[i] = f(xs[i], alpha, beta);
  }
  binary(op: number, a: Ptr, b: Ptr, y: Ptr, dims: number[], as: number[], bs: number[]): void {
    this.calls++;
    const av = this.f32(a),
      bv = this.f32(b),
      yv = this.f32(y),
      f = BINARY[op];
    const n = count(dims);
    const out = new Float32Array(n); // a and y may alias
    for (let i = 0; i < n; i++) out[i] = f(av[offset(i, dims, as)], bv[offset(i, dims, bs)]);
    yv.set(out);
  }
  binaryScalar(op: number, a: Ptr, s: number, y: Ptr, n: number, scalarFirst: boolean): void {
    this.calls++;
    const av = this.f32(a),
      yv = this.f32(y),
      f = BINARY[op],
      sf = Math.fround(s);
    for (let i = 0; i < n; i++) yv[i] = scalarFirst ? f(sf, av[i]) : f(av[i], sf);
  }
  compare(op: number, a: Ptr, b: Ptr, y: Ptr, dims: number[], as: number[], bs: number[]): void {
    this.calls++;
    const av = this.f32(a),
      bv = this.f32(b),
      yv = this.u8(y),
      f = COMPARE[op];
    for (let i = 0; i < count(dims); i++) yv[i] = f(av[offset(i, dims, as)], bv[offset(i, dims, bs)]) ? 1 : 0;
  }
  logical(op: number, a: Ptr, b: Ptr, y: Ptr, dims: number[], as: number[], bs: number[]): void {
    this.calls++;
    const av = this.u8(a),
      bv = this.u8(b),
      yv = this.u8(y);
    for (let i = 0; i < count(dims); i++) {
      const p = av[offset(i, dims, as)] !== 0,
        q = bv[offset(i, dims, bs)] !== 0;
      yv[i] = (op === 0 ? p && q : p || q) ? 1 : 0;
    }
  }
  logicalNot(x: Ptr, y: Ptr, n: number): void {
    this.calls++;
    const xv = this.u8(x),
      yv = this.u8(y);
    for (let i = 0; i < n; i++) yv[i] = xv[i] ? 0 : 1;
  }
  select(c: Ptr, a: Ptr, b: Ptr, y: Ptr, n: number): void {
    this.calls++;
    const cv = this.u8(c),
      av = this.f32(a),
      bv = this.f32(b),
      yv = this.f32(y);
    for (let i = 0; i < n; i++) yv[i] = cv[i] ? av[i] : bv[i];
  }
  cast(x: Ptr, from: number, y: Ptr, to: number, n: number): void {
    this.calls++;
    const xv = this.view(x, from),
      yv = this.view(y, to);
    for (let i = 0; i < n; i++) yv[i] = to === 2 ? (xv[i] !== 0 ? 1 : 0) : to === 1 ? Math.trunc(xv[i]) : xv[i];
  }
  fill(y: Ptr, dtype: number, value: number, n: number): void {
    this.calls++;
    this.view(y, dtype).fill(dtype === 2 ? (value !== 0 ? 1 : 0) : value, 0, n);
  }
  reduce(op: number, x: Ptr, y: Ptr, outer: number, r: number, inner: number): void {
    this.calls++;
    const xv = this.f32(x),
      yv = this.f32(y);
    const init = [0, 0, -Infinity, Infinity, 1][op];
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        let acc = init;
        for (let k = 0; k < r; k++) {
          const v = xv[(o * r + k) * inner + j];
          if (op === 0 || op === 1) acc += v;
          else if (op === 2) acc = Number.isNaN(acc) || acc > v ? acc : v;
          else if (op === 3) acc = Number.isNaN(acc) || acc < v ? acc : v;
          else acc *= v;
        }
        yv[o * inner + j] = op === 1 ? (r > 0 ? acc / r : NaN) : acc;
      }
    }
  }
  gather(x: Ptr, y: Ptr, elemBytes: number, dims: number[], mods: number[], strides: number[], off: number): void {
    this.calls++;
    const xv = elemBytes === 4 ? new Uint32Array(this.buf(x)) : this.u8(x);
    const yv = elemBytes === 4 ? new Uint32Array(this.buf(y)) : this.u8(y);
    for (let i = 0; i < count(dims); i++) yv[i] = xv[off + offset(i, dims, strides, mods)];
  }
  place(x: Ptr, y: Ptr, elemBytes: number, dims: number[], strides: number[], off: number): void {
    this.calls++;
    const xv = elemBytes === 4 ? new Uint32Array(this.buf(x)) : this.u8(x);
    const yv = elemBytes === 4 ? new Uint32Array(this.buf(y)) : this.u8(y);
    for (let i = 0; i < count(dims); i++) yv[off + offset(i, dims, strides)] = xv[i];
  }
  private windows(g: number[], visit: (i: number, cells: number[]) => void): void {
    const [n, h, w, c, fh, fw, oh, ow, sh, sw, dh, dw, pt, pl] = g;
    for (let b = 0; b < n; b++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++)
          for (let ch = 0; ch < c; ch++) {
            const cells: number[] = [];
            for (let fy = 0; fy < fh; fy++) {
              const iy = oy * sh - pt + fy * dh;
              if (iy < 0 || iy >= h) continue;
              for (let fx = 0; fx < fw; fx++) {
                const ix = ox * sw - pl + fx * dw;
                if (ix >= 0 && ix < w) cells.push(((b * h + iy) * w + ix) * c + ch);
              }
            }
            visit(((b * oh + oy) * ow + ox) * c + ch, cells);
          }
  }
  private argMax(xv: Float32Array, cells: number[]): number {
    let best = -Infinity,
      at = -1;
    for (const k of cells)
      if (xv[k] > best) {
        best = xv[k];
        at = k;
      }
    return at;
  }
  maxPool(x: Ptr, y: Ptr, g: number[]): void {
    this.calls++;
    const xv = this.f32(x),
      yv = this.f32(y);
    this.windows(g, (i, cells) => {
      const at = this.argMax(xv, cells);
      yv[i] = at < 0 ? -Infinity : xv[at];
    });
  }
  maxPoolGrad(dy: Ptr, x: Ptr, dx: Ptr, g: number[]): void {
    this.calls++;
    const dyv = this.f32(dy),
      xv = this.f32(x),
      dxv = this.f32(dx);
    dxv.fill(0, 0, g[0] * g[1] * g[2] * g[3]);
    this.windows(g, (i, cells) => {
      const at = this.argMax(xv, cells);
      if (at >= 0) dxv[at] += dyv[i];
    });
  }
  avgPool(x: Ptr, y: Ptr, g: number[]): void {
    this.calls++;
    const xv = this.f32(x),
      yv = this.f32(y);
    this.windows(g, (i, cells) => {
      yv[i] = cells.length > 0 ? cells.reduce((s, k) => s + xv[k], 0) / cells.length : 0;
    });
  }
  avgPoolGrad(dy: Ptr, dx: Ptr, g: number[]): void {
    this.calls++;
    const dyv = this.f32(dy),
      dxv = this.f32(dx);
    dxv.fill(0, 0, g[0] * g[1] * g[2] * g[3]);
    this.windows(g, (i, cells) => {
      for (const k of cells) dxv[k] += dyv[i] / (g[4] * g[5]);
    });
  }
  batchNorm(x: Ptr, mean: Ptr, mN: number, variance: Ptr, vN: number, off: Ptr, oN: number, scale: Ptr, sN: number, y: Ptr, n: number, eps: number): void {
    this.calls++;
    const xv = this.f32(x),
      m = this.f32(mean),
      v = this.f32(variance),
      yv = this.f32(y);
    const o = off ? this.f32(off) : undefined,
      s = scale ? this.f32(scale) : undefined;
    for (let i = 0; i < n; i++) yv[i] = (o ? o[i % oN] : 0) + ((xv[i] - m[i % mN]) * (s ? s[i % sN] : 1)) / Math.sqrt(v[i % vN] + eps);
  }
  dropout(x: Ptr, y: Ptr, n: number, rate: number, seed: number): void {
    this.calls++;
    this.f32(y).set(dropoutOnHost(this.f32(x).subarray(0, n), rate, seed));
  }
  adam(
    value: Ptr,
    m: Ptr,
    v: Ptr,
    grad: Ptr,
    valueOut: Ptr,
    mOut: Ptr,
    vOut: Ptr,
    n: number,
    lr: number,
    b1: number,
    b2: number,
    eps: number,
    c1: number,
    c2: number,
  ): void {
    this.calls++;
    const w = this.f32(value),
      mv = this.f32(m),
      vv = this.f32(v),
      g = this.f32(grad);
    const wo = this.f32(valueOut),
      mo = this.f32(mOut),
      vo = this.f32(vOut);
    for (let i = 0; i < n; i++) {
      const mi = mv[i] * b1 + g[i] * (1 - b1),
        vi = vv[i] * b2 + g[i] * g[i] * (1 - b2);
      mo[i] = mi;
      vo[i] = vi;
      wo[i] = w[i] + (mi / c1 / (Math.sqrt(vi / c2) + eps)) * -lr;
    }
  }
  private conv(g: number[], each: (xi: number, wi: number, yi: number) => void): void {
    const [n, h, w, c, fh, fw, k, oh, ow, sh, sw, dh, dw, pt, pl] = g;
    for (let b = 0; b < n; b++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          for (let fy = 0; fy < fh; fy++) {
            const iy = oy * sh - pt + fy * dh;
            if (iy < 0 || iy >= h) continue;
            for (let fx = 0; fx < fw; fx++) {
              const ix = ox * sw - pl + fx * dw;
              if (ix < 0 || ix >= w) continue;
              for (let ci = 0; ci < c; ci++)
                for (let ko = 0; ko < k; ko++) {
                  each(((b * h + iy) * w + ix) * c + ci, ((fy * fw + fx) * c + ci) * k + ko, ((b * oh + oy) * ow + ox) * k + ko);
                }
            }
          }
        }
  }
  conv2d(x: Ptr, w: Ptr, y: Ptr, g: number[]): void {
    this.calls++;
    const xv = this.f32(x),
      wv = this.f32(w),
      yv = this.f32(y);
    yv.fill(0, 0, g[0] * g[7] * g[8] * g[6]);
    this.conv(g, (xi, wi, yi) => {
      yv[yi] += xv[xi] * wv[wi];
    });
  }
  conv2dBackpropInput(dy: Ptr, w: Ptr, dx: Ptr, g: number[]): void {
    this.calls++;
    const dyv = this.f32(dy),
      wv = this.f32(w),
      dxv = this.f32(dx);
    dxv.fill(0, 0, g[0] * g[1] * g[2] * g[3]);
    this.conv(g, (xi, wi, yi) => {
      dxv[xi] += dyv[yi] * wv[wi];
    });
  }
  conv2dBackpropFilter(x: Ptr, dy: Ptr, dw: Ptr, g: number[]): void {
    this.calls++;
    const xv = this.f32(x),
      dyv = this.f32(dy),
      dwv = this.f32(dw);
    dwv.fill(0, 0, g[4] * g[5] * g[3] * g[6]);
    this.conv(g, (xi, wi, yi) => {
      dwv[wi] += xv[xi] * dyv[yi];
    });
  }
  matMul(a: Ptr, b: Ptr, c: Ptr, batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean, strideA: number, strideB: number): void {
    this.calls++;
    const av = this.f32(a),
      bv = this.f32(b),
      cv = this.f32(c);
    for (let t = 0; t < batch; t++) {
      const ao = t * strideA,
        bo = t * strideB,
        co = t * m * n;
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += av[ao + (transA ? p * m + i : i * k + p)] * bv[bo + (transB ? j * k + p : p * n + j)];
          cv[co + i * n + j] = s;
        }
    }
  }
}
