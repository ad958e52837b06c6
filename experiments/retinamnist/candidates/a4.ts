import { cvPipeline } from '../cv-pipeline.ts';
export default cvPipeline('a4', { fit: { schedule: 'cosine' } });
