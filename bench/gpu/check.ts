/**
 * Correctness of the cuda backend on a GPU: every kernel case against tfjs' CPU backend (normwise relative
 * error), a few training steps of a small CNN against the CPU backend, and the kernels that fell back to the
 * CPU. Exit code 1 when a case misses its tolerance.
 *   node check.mjs            (MEDPIPE_CUDA_TF32=0 for strict FP32 convolutions)
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/select.ts';
import { compareKernels, compareTraining } from './cases.ts';

/** float32 arithmetic; TF32 tensor cores keep 10 mantissa bits of each operand. */
const TOLERANCE = { fp32: 1e-4, tf32: 5e-3 };

async function main(): Promise<void> {
  const choice = await initBackend('cuda');
  console.log(choice.line);
  const tf32 = process.env.MEDPIPE_CUDA_TF32 !== '0';
  const results = await compareKernels('cuda', 'cpu');
  let failed = 0;
  console.log('| case | relative error | tolerance | fell back to CPU |');
  console.log('| --- | --- | --- | --- |');
  for (const r of results) {
    const tol = r.tf32 && tf32 ? TOLERANCE.tf32 : TOLERANCE.fp32;
    const ok = r.error <= tol;
    if (!ok) failed++;
    console.log(`| ${r.name} | ${r.error.toExponential(2)}${ok ? '' : ' FAIL'} | ${tol} | ${r.fellBack.join(', ') || '-'} |`);
  }
  const worst = (f: (r: (typeof results)[number]) => boolean): string => Math.max(...results.filter(f).map((r) => r.error)).toExponential(2);
  console.log(`worst error: convolutions ${worst((r) => r.tf32)}, other kernels ${worst((r) => !r.tf32)} (${tf32 ? 'TF32 convolutions' : 'strict FP32'})`);
  const training = await compareTraining('cuda', 'cpu', 4);
  console.log(`training, 4 Adam steps vs the CPU backend: losses ${training.losses[0].map((l) => l.toFixed(5)).join(' ')} vs ${training.losses[1].map((l) => l.toFixed(5)).join(' ')}; loss error ${training.lossError.toExponential(2)}, weight error ${training.weightError.toExponential(2)}`);
  // Adam divides each step by the gradient's own scale, so TF32 rounding in the convolutions moves the
  // weights by whole steps where gradients are near zero: measured 2.0e-2 after 4 steps (6.1e-6 in FP32).
  if (!(training.weightError < (tf32 ? 5e-2 : 1e-3))) failed++;
  await tf.setBackend('cuda');
  const fallbacks = (tf.backend() as unknown as { fallbacks: Map<string, number> }).fallbacks;
  console.log(`CPU fallbacks during the checks: ${JSON.stringify(Object.fromEntries(fallbacks))}`);
  console.log(`check: ${results.length} kernel cases, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack ?? error.message : String(error));
  process.exit(1);
});
