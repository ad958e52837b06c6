import { cvPipeline } from '../cv-pipeline.ts';
export default cvPipeline('a1', { fit: { classWeight: 'balanced' } });
