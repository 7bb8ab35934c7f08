/** A JSON value: what crosses every boundary between the page, the relay, the worker and the views. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** An error as the page saw it: `name` is the DOMException/Error name, `message` its message. */
export interface ErrorInfo {
  name: string;
  message: string;
  /**
   * What a WebRTC error says beyond its message, where it says it ({@link ERROR_DETAIL_FIELDS}): the constraint an
   * OverconstrainedError names (Chromium's message is empty: without it "OverconstrainedError:" says nothing), an
   * RTCError's errorDetail, sdpLineNumber, SCTP cause, DTLS alerts or HTTP status.
   */
  detail?: Record<string, string | number>;
}

/** The fields of {@link ErrorInfo.detail}: OverconstrainedError's `constraint` and RTCError's attributes. */
export const ERROR_DETAIL_FIELDS = ['constraint', 'errorDetail', 'sdpLineNumber', 'sctpCauseCode', 'receivedAlert', 'sentAlert', 'httpRequestStatusCode'] as const;
/** Longest string kept in {@link ErrorInfo.detail}. */
export const MAX_ERROR_DETAIL_CHARS = 200;

/** `detail` as text after a message: "constraint: width", "errorDetail: sdp-syntax-error, sdpLineNumber: 7". */
export function errorDetailText(detail: ErrorInfo['detail']): string {
  if (detail === undefined) return '';
  return Object.keys(detail)
    .map((key) => `${key}: ${detail[key]}`)
    .join(', ');
}

/** "Name: message (constraint: width)": an error as one line of text. */
export function errorText(error: ErrorInfo): string {
  const detail = errorDetailText(error.detail);
  const head = error.message ? `${error.name}: ${error.message}` : error.name;
  return detail ? `${head} (${detail})` : head;
}
