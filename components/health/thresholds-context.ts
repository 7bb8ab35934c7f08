/** The user's issue thresholds for the views that assess health (set by the app from the settings). */
import { createContext } from 'preact';
import { DEFAULT_HEALTH_THRESHOLDS, type HealthThresholds } from '../../lib/model/health/thresholds';

export const ThresholdsContext = createContext<HealthThresholds>(DEFAULT_HEALTH_THRESHOLDS);
