// Root hooks for every mocha run (see .mocharc.json). Nothing starts here: integration tests
// call useTestStack() in their own before() hook, so a unit-only run never touches a stack.
import { releaseTestStack } from './stack.ts';

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(120_000);
    await releaseTestStack();
  },
};
