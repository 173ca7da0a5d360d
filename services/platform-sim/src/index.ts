// @tributary/platform-sim: simulators of the TikTok, Instagram and YouTube APIs and webhooks
// (documented behaviour, seeded data over simulated time, fault knobs, ground truth) for tests and
// the demo. ADR 0021; base URLs and admin routes in the package README.
export { startPlatformSim, defaultSecrets } from './sim.ts';
export { sourceEnvironment } from './source-environment.ts';
export type { PlatformSim, PlatformSimOptions, BaseUrls, SimCredentials, SimSecrets, DirectDelivery, PlatformSimStats } from './sim.ts';
export { FAULT_KINDS } from './core/faults.ts';
export type { FaultKind, FaultSpec, ActiveFault } from './core/faults.ts';
export type { GroundTruth, ServedEntity, MetricObservation } from './core/ground-truth.ts';
export type { DeliveryAttempt, DeliveryPolicy } from './core/webhook-delivery.ts';
export { PLATFORMS } from './core/platforms.ts';
export type { PlatformName } from './core/platforms.ts';
export { defaultKnobs } from './knobs.ts';
export type { SimKnobs, KnobChanges } from './knobs.ts';
export { tiktokSignature } from './tiktok/webhooks.ts';
export { metaSignature } from './instagram/webhooks.ts';
export { websubSignature } from './youtube/websub.ts';
export { platformSimSchema, loadPlatformSimSettings } from './spec.ts';
export type { PlatformSimSettings } from './spec.ts';
