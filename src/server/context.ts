import type { Principal } from '../auth/principal';
import type { Loaders } from './loaders';
import type { Services } from './services';

export interface RequestContext {
  requestId: string;
  /** The verified caller; a request without one never reaches a resolver. */
  principal: Principal;
  /** The business date (Asia/Shanghai) fixed at the start of the request, so every age and window in it agrees. */
  today: string;
  services: Services;
  loaders: Loaders;
}
