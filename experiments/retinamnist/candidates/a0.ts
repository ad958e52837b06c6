import { cvPipeline } from '../cv-pipeline.ts';
export default cvPipeline('a0');
