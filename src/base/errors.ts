/**
 * The one error type of medpipe. Every failure that reaches a user carries a closed `code`,
 * the stage it happened in (when there is one), what happened, and how to fix it.
 */
export type MedpipeErrorCode =
  | 'INVALID_PIPELINE'
  | 'INVALID_CONFIG'
  | 'DATA_NOT_FOUND'
  | 'BAD_FILE'
  | 'NO_SAMPLES'
  | 'SHAPE_MISMATCH'
  | 'BACKEND_UNAVAILABLE'
  | 'MODEL_LOAD'
  | 'CANCELLED'
  | 'CACHE_CORRUPT'
  | 'PIPELINE_LOAD'
  | 'REMOTE_CACHE'
  | 'EXECUTOR'
  | 'INTERNAL';

export interface MedpipeErrorOptions {
  readonly stage?: string;
  readonly file?: string;
  readonly fix?: string;
  readonly cause?: unknown;
  readonly issues?: readonly string[];
}

/** Marks medpipe errors across module instances (a test runner may load this file twice). */
const BRAND = Symbol.for('medpipe.error');

export class MedpipeError extends Error {
  override readonly name = 'MedpipeError';
  readonly [BRAND] = true;

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  readonly code: MedpipeErrorCode;
  readonly stage?: string;
  readonly file?: string;
  readonly fix?: string;
  /** For INVALID_PIPELINE: every problem found, not only the first. */
  readonly issues: readonly string[];

  constructor(code: MedpipeErrorCode, message: string, options: MedpipeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.stage = options.stage;
    this.file = options.file;
    this.fix = options.fix;
    this.issues = options.issues ?? [];
  }

  /** One line for logs: `[stage] message (fix: ...)`. */
  describe(): string {
    const where = this.stage ? `[${this.stage}] ` : '';
    const fix = this.fix ? ` Fix: ${this.fix}` : '';
    return `${where}${this.message}${fix}`;
  }
}

/** Wraps anything thrown inside a stage so it names the stage and keeps the cause. */
export function wrapStageError(error: unknown, stage: string): MedpipeError {
  if (error instanceof MedpipeError) {
    if (error.stage) return error;
    return new MedpipeError(error.code, error.message, {
      stage,
      file: error.file,
      fix: error.fix,
      cause: error.cause,
      issues: error.issues,
    });
  }
  if (isAbortError(error)) {
    return new MedpipeError('CANCELLED', 'The run was cancelled.', { stage, cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new MedpipeError('INTERNAL', message, {
    stage,
    cause: error,
    fix: 'This is unexpected; rerun with MEDPIPE_DEBUG=1 for the stack trace and report it.',
  });
}

export function isAbortError(error: unknown): boolean {
  return (
    (error instanceof MedpipeError && error.code === 'CANCELLED') ||
    (error instanceof Error && (error.name === 'AbortError' || error.name === 'CancelledError'))
  );
}

/** Throws a CANCELLED error when the signal has fired; call at safe points (between batches, files). */
export function throwIfAborted(signal: AbortSignal | undefined, stage?: string): void {
  if (signal?.aborted) {
    throw new MedpipeError('CANCELLED', 'The run was cancelled.', { stage });
  }
}

/** An error as plain data, for events and views (issues folded into the message, one per line). */
export interface ErrorInfo {
  readonly code: string;
  readonly message: string;
  readonly fix?: string;
  readonly file?: string;
  /** Stack traces of the error and its causes, only with MEDPIPE_DEBUG=1. */
  readonly stack?: string;
}

/** The stack of an error and of each cause below it (what MEDPIPE_DEBUG=1 shows). */
export function stackOf(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) parts.push(e.stack ?? String(e));
  return parts.join('\nCaused by: ');
}

/** The one conversion of anything thrown into ErrorInfo. */
export function toErrorInfo(error: unknown, debug = Boolean(process.env.MEDPIPE_DEBUG)): ErrorInfo {
  const stack = debug ? { stack: stackOf(error) } : {};
  if (error instanceof MedpipeError) {
    const issues = error.issues.length > 0 ? `\n  - ${error.issues.join('\n  - ')}` : '';
    return { code: error.code, message: error.message + issues, fix: error.fix, file: error.file, ...stack };
  }
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error), ...stack };
}
