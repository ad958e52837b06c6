import { cvPipeline } from '../cv-pipeline.ts';
export default cvPipeline('a2', { fit: { loss: { softOrdinal: { scale: 1 } } } });
