import { cvPipeline } from '../cv-pipeline.ts';
export default cvPipeline('a3', { fit: { labelSmoothing: 0.1 } });
