export { useTestStack, releaseTestStack } from './stack.ts';
export type { TestStack } from './stack.ts';
export { uniqueName } from './names.ts';
export { dockerEngineAnswers } from './docker.ts';
export { CONTAINER_IMAGES } from './containers.ts';
export { createIsolatedTopics } from './topics.ts';
export type { IsolatedTopics, IsolatedTopicsOptions } from './topics.ts';
