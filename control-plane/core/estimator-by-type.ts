import { InvalidParameterError } from '../../worker/core/errors.js';
import type { Estimator } from './ports.js';
import type { TaskType } from './task.js';

/** One estimator per task type; a type without one is refused on the type field, saying where it is estimated. */
export function estimatorByType(byType: Partial<Record<TaskType, Estimator>>, elsewhere = ''): Estimator {
  return {
    estimate: (type, raw) => {
      const estimator = byType[type];
      if (!estimator)
        throw new InvalidParameterError(
          'type',
          `${type} tasks are not estimated here${elsewhere ? `: ${elsewhere}` : ''}`,
        );
      return estimator.estimate(type, raw);
    },
  };
}
