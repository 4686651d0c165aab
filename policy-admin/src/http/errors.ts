/**
 * API errors, answered in X-Road's admin-API `ErrorInfo` shape:
 *   { "status": 404, "error": { "code": "client_not_found", "metadata": ["DEV:GOV:1:x"] }, "message": "…" }
 * (`message` is ours: a sentence for humans; X-Road clients read `status` and `error.code`.)
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly metadata: string[] = [],
    readonly validationErrors?: Record<string, string[]>,
  ) {
    super(message);
  }
  toJSON() {
    const error: Record<string, unknown> = { code: this.code, metadata: this.metadata };
    if (this.validationErrors) error.validation_errors = this.validationErrors;
    return { status: this.status, error, message: this.message };
  }
}

export const badRequest = (field: string, message: string, code = 'invalid_request') =>
  new ApiError(400, code, `${field}: ${message}`, [field], { [field]: [message] });
export const notFound = (what: string, id: string) =>
  new ApiError(404, `${what}_not_found`, `${what.replace(/_/g, ' ')} not found: ${id}`, [id]);
export const conflict = (code: string, message: string, metadata: string[] = []) => new ApiError(409, code, message, metadata);
export const unauthorized = (message = 'missing or invalid API key (Authorization: X-Road-ApiKey token=<key>)') =>
  new ApiError(401, 'unauthorized', message);
export const forbidden = (message: string) => new ApiError(403, 'forbidden', message);
export const preconditionFailed = (current: string) =>
  new ApiError(412, 'precondition_failed', `If-Match does not match the current revision (ETag ${current}); reload and retry`, [current]);
