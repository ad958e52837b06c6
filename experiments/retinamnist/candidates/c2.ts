import { build } from 'medpipe';
import { cvPipeline } from '../cv-pipeline.ts';
export default cvPipeline('c2', { build: build.compactCnn({ filters: [32, 64, 128] }) });
