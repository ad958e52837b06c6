import { cvPipeline } from '../cv-pipeline.ts';
export default cvPipeline('a5', { fit: { mixup: { alpha: 0.2 } } });
