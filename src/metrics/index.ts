export { rocAuc } from './auc.js';
export { bootstrapInterval, seededRandom, type Interval } from './bootstrap.js';
export { expectedCalibrationError } from './calibration.js';
export { confusionAt, ratesOf, type Confusion, type Rates } from './confusion.js';
export { metricsReport, type MetricsReport } from './report.js';
export { thresholdForSensitivity } from './threshold.js';
