/** Errors with a stable machine-readable `code` and the HTTP status they map to. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, code = 'invalid_request') {
    super(code, message, 400);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super('not_found', message, 404);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'missing or invalid API key') {
    super('unauthorized', message, 401);
  }
}

export class NotReadyError extends AppError {
  constructor(message = 'service is starting: the model or index is not ready yet') {
    super('not_ready', message, 503);
  }
}

export class ConfigError extends AppError {
  constructor(message: string) {
    super('invalid_config', message, 500);
  }
}

/** dejavu's own rate limiter refused: the request would wait longer than allowed. */
export class RateLimitedError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', message, 429);
  }
}

export class NoProviderError extends AppError {
  constructor(message: string) {
    super('no_provider', message, 400);
  }
}

/** Every provider failed at the network level (or its circuit is open). */
export class UpstreamUnavailableError extends AppError {
  constructor(message: string) {
    super('upstream_unavailable', message, 502);
  }
}

/** Too much work queued (e.g. the embedding queue is full): shed now, the client retries shortly. */
export class OverloadedError extends AppError {
  constructor(message = 'the service is overloaded: retry shortly') {
    super('overloaded', message, 503);
  }
}
