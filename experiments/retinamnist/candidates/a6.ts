import { cvPipeline } from '../cv-pipeline.ts';
export default cvPipeline('a6', { size: [64, 64] });
