// @tributary/connector-kit: the framework every source uses (docs/adr/0017).
export type {
  ApiRequest,
  ApiResponse,
  Authenticator,
  Clock,
  EventWriter,
  OutgoingEvent,
  QueryValue,
  QuotaCall,
  QuotaLedger,
  RequestPriority,
  Requester,
  RequesterHealth,
  ResponseVerdict,
  ResponseVerdictKind,
} from './contracts.ts';
export { REQUEST_PRIORITIES } from './contracts.ts';
