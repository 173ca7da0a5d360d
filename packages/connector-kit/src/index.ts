// @tributary/connector-kit: the framework every source uses (docs/adr/0017).
export type { ApiRequest, ApiResponse, Clock, QueryValue, RequestPriority, Requester, RequesterHealth } from './contracts.ts';
export { REQUEST_PRIORITIES } from './contracts.ts';
