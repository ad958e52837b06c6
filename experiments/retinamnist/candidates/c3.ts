import { build } from 'medpipe';
import { cvPipeline } from '../cv-pipeline.ts';
export default cvPipeline('c3', { build: build.compactCnn({ filters: [32, 64, 128], batchNorm: true, batchNormMomentum: 'auto', pooling: 'average' }) });
