// @tributary/platform-sim: simulators of the TikTok, Instagram and YouTube APIs and webhooks.
export {};
