/**
 * Service error codes, each with its HTTP status and a description. Errors name the
 * record and field concerned but never carry identifier values.
 */
export const ERRORS = {
  KRP_ERR_BAD_REQUEST: {
    status: 400,
    description: "The request body or parameters are malformed.",
  },
  KRP_ERR_UNAUTHENTICATED: { status: 401, description: "No valid bearer token was presented." },
  KRP_ERR_FORBIDDEN: { status: 403, description: "The token's role may not perform this action." },
  KRP_ERR_NOT_FOUND: {
    status: 404,
    description: "The named dataset, project, upload or extract does not exist.",
  },
  KRP_ERR_CONFLICT: {
    status: 409,
    description: "The request conflicts with the current state (e.g. project not approved).",
  },
  KRP_ERR_GONE: {
    status: 410,
    description: "The resource existed but is no longer available (e.g. an expired download link).",
  },
  KRP_ERR_PAYLOAD_TOO_LARGE: {
    status: 413,
    description: "The request body is larger than this endpoint accepts.",
  },
  KRP_ERR_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    description: "The upload's content type is not supported.",
  },
  KRP_ERR_UNPROCESSABLE: {
    status: 422,
    description:
      "The request is well-formed but its content breaks a rule (e.g. disclosure control refused the release).",
  },
  KRP_ERR_UNAVAILABLE: {
    status: 503,
    description:
      "A dependency (Kafka, PostgreSQL) is unavailable; retry after the Retry-After delay.",
  },
  KRP_ERR_INTERNAL: {
    status: 500,
    description: "An unexpected error; details are in the service log, never in the response.",
  },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** An error that maps to an HTTP response with a stable code. */
export class KrpError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "KrpError";
    this.statusCode = ERRORS[code].status;
  }
}
