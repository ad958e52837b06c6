import { build } from 'medpipe';
import { cvPipeline } from '../cv-pipeline.ts';
export default cvPipeline('c1', { build: build.tutorialCnn({ filters: [32, 64], pooling: 'average' }) });
