// A CudaDevice that does nothing: with MEDPIPE_CUDA_ADDON=bench/gpu/null-device.cjs the bundled throughput bench
// (node .gpu/bundle/throughput.mjs cuda 256 40) measures the host side of the cuda backend alone, on any machine.
let next = 4096;
const noop = () => {};
module.exports = new Proxy({
  info: () => ({ device: 'null', computeCapability: '0.0', multiprocessors: 0, memoryMiB: 0, driver: '-', runtime: '-', libraries: 'none' }),
  alloc: (b) => { const p = next; next += Math.ceil(Math.max(b, 1) / 512) * 512; return p; },
  free: noop, upload: noop, download: noop, sync: noop, releaseCached: noop,
  downloadAsync: async (p, b) => new ArrayBuffer(b),
  memory: () => ({ inUse: 0, cached: 0, peak: 0, pinned: 0 }),
}, { get: (t, k) => (k in t ? t[k] : noop) });
